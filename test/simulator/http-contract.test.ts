import { once } from 'node:events';
import { Agent, get as httpGet } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR_NAMES, startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { queryContacts, request } from './simulator-client.js';

const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

describe('Virtuous simulator HTTP contract', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('listens on 127.0.0.1 without a trailing slash and uses the default token', async () => {
    sim = await startVirtuousSimulator({ contacts: 10 });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.token).toBe('sim-token');
  });

  it('answers 401 with the plain-text denial for a missing or wrong token', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, token: 'secret' });
    for (const token of [null, 'wrong']) {
      const response = await queryContacts(sim, {}, { token });
      expect(response.status).toBe(401);
      expect(response.text).toBe('Authorization has been denied for this request.');
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const header of RATE_HEADERS) expect(response.headers.get(header)).not.toBeNull();
    }
    expect((await queryContacts(sim, {}, { token: 'secret' })).status).toBe(200);
  });

  it('rejects take above the maximum, negative or non-integer take with the older 400 shape', async () => {
    sim = await startVirtuousSimulator({ contacts: 10 });
    for (const take of ['1001', '-1', '2.5', 'abc']) {
      const response = await request(sim, 'POST', `/api/Contact/Query?take=${take}`, '{}');
      expect(response.status, `take=${take}`).toBe(400);
      expect(response.json.message).toContain('1000 or fewer');
    }
    expect((await queryContacts(sim, {}, { take: 1000 })).status).toBe(200);
  });

  it('honours a configured maxTake', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, maxTake: 500 });
    const response = await queryContacts(sim, {}, { take: 501 });
    expect(response.status).toBe(400);
    expect(response.json.message).toContain('500 or fewer');
  });

  it('rejects malformed JSON and non-object bodies with 400', async () => {
    sim = await startVirtuousSimulator({ contacts: 10 });
    expect((await queryContacts(sim, undefined, { rawBody: '{"groups": [' })).status).toBe(400);
    expect((await queryContacts(sim, undefined, { rawBody: '[1,2]' })).status).toBe(400);
    expect((await queryContacts(sim, undefined, { rawBody: '{"groups": 3}' })).status).toBe(400);
  });

  it('returns the {list,total} envelope, 10 items by default (as the real API), total counting all matches', async () => {
    sim = await startVirtuousSimulator({ contacts: 250 });
    const expected = sim.expectedIds();
    const response = await queryContacts(sim, { groups: [] });
    expect(response.status).toBe(200);
    expect(response.json.total).toBe(expected.length);
    expect(response.json.list.map((item: { id: number }) => item.id)).toEqual(expected.slice(0, 10));
    expect(Object.keys(response.json.list[0]).sort()).toEqual([
      'address',
      'contactName',
      'contactType',
      'contactViewUrl',
      'email',
      'id',
      'name',
      'phone',
    ]);
    const empty = await queryContacts(sim, undefined, { rawBody: '' });
    expect(empty.json.total).toBe(expected.length);
  });

  it('answers an empty body with every contact and FullContact with full records without isArchived', async () => {
    sim = await startVirtuousSimulator({ contacts: 50, archivedFraction: 0.5 });
    const response = await queryContacts(sim, { includeArchived: true }, { full: true, take: 50 });
    expect(response.json.total).toBe(50);
    for (const item of response.json.list) {
      expect(item).not.toHaveProperty('isArchived');
      expect(item).toEqual(sim.fullContact(item.id));
    }
  });

  it('serves GET /api/Contact/{id}, and 404 with an empty body for a missing id', async () => {
    sim = await startVirtuousSimulator({ contacts: 20 });
    const [id] = sim.expectedIds();
    const found = await request(sim, 'GET', `/api/Contact/${id}`);
    expect(found.status).toBe(200);
    expect(found.json).toEqual(sim.fullContact(id!));
    expect(found.json).not.toHaveProperty('isArchived');

    const missing = await request(sim, 'GET', '/api/Contact/999999999');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    for (const header of RATE_HEADERS) expect(missing.headers.get(header)).not.toBeNull();
  });

  it('answers 404 for unknown routes and 405 for a wrong method', async () => {
    sim = await startVirtuousSimulator({ contacts: 5 });
    expect((await request(sim, 'GET', '/api/Widget/Query')).status).toBe(404);
    expect((await request(sim, 'GET', '/api/Contact/Query')).status).toBe(405);
    expect(sim.stats.byRoute['unknown']).toBe(1);
  });

  it('describes parameters and the 25 operators in QueryOptions', async () => {
    sim = await startVirtuousSimulator({ contacts: 5 });
    const response = await request(sim, 'GET', '/api/Contact/QueryOptions');
    expect(response.status).toBe(200);
    const { options, operatorOptions } = response.json;
    expect(operatorOptions.map((option: { operator: string }) => option.operator)).toEqual([...OPERATOR_NAMES]);
    expect(operatorOptions).toHaveLength(25);
    for (const option of operatorOptions) {
      expect(Object.keys(option).sort()).toEqual(['multipleValuesAllowed', 'operator', 'valueRequired']);
    }
    const byName = new Map(options.map((option: { parameter: string }) => [option.parameter, option]));
    for (const name of [
      'Contact Id',
      'Contact Type',
      'Create Date',
      'Last Modified Date',
      'Tag',
      'First Name',
      'Last Name',
      'Email Address',
      'City',
      'State',
      'Is Private',
      'Preferred Channel',
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('Contact Id')).toMatchObject({
      type: 'Int',
      valueOptions: [],
      operatorOptions: expect.arrayContaining([{ operator: 'GreaterThan', multipleValuesAllowed: false, valueRequired: true }]),
    });
    expect(byName.get('Tag')).toMatchObject({
      type: 'List',
      operatorOptions: [
        { operator: 'IsAnyOf', multipleValuesAllowed: true, valueRequired: true },
        { operator: 'IsNoneOf', multipleValuesAllowed: true, valueRequired: true },
      ],
    });
    expect(byName.get('Contact Type')).toMatchObject({ valueOptions: ['Household', 'Organization', 'Foundation'] });
    expect(byName.get('Is Private')).toMatchObject({
      type: 'Boolean',
      operatorOptions: [
        { operator: 'IsTrue', multipleValuesAllowed: false, valueRequired: false },
        { operator: 'IsFalse', multipleValuesAllowed: false, valueRequired: false },
      ],
    });
  });

  it('counts requests by route and status, and rows served', async () => {
    sim = await startVirtuousSimulator({ contacts: 30 });
    await queryContacts(sim, {}, { take: 10 });
    await queryContacts(sim, {}, { take: 5, full: true });
    await request(sim, 'GET', '/api/Contact/QueryOptions');
    await request(sim, 'GET', `/api/Contact/${sim.expectedIds()[0]}`);
    await queryContacts(sim, {}, { token: 'nope' });
    expect(sim.stats).toEqual({
      requests: 5,
      byStatus: { 200: 4, 401: 1 },
      byRoute: { query: 2, fullContact: 1, queryOptions: 1, getContact: 1 },
      rowsServed: 16,
    });
    const live = sim.stats;
    sim.resetStats();
    expect(live).toEqual({ requests: 0, byStatus: {}, byRoute: {}, rowsServed: 0 });
  });

  it('closes with an idle keep-alive connection open, ending that connection itself', async () => {
    sim = await startVirtuousSimulator({ contacts: 5 });
    const agent = new Agent({ keepAlive: true });
    // A request whose connection stays open, idle, in the agent once answered.
    const idle = new Promise<Socket>((resolve) => agent.once('free', (socket: Socket) => resolve(socket)));
    httpGet(`${sim.url}/api/Contact/QueryOptions`, { agent, headers: { authorization: `Bearer ${sim.token}` } }, (response) => response.resume());
    const socket = await idle;
    const ended = once(socket, 'close');
    // The server ends it rather than waiting for the client or the keep-alive timeout (5 s) to.
    await sim.close();
    await ended;
    agent.destroy();
  });
});
