import { describe, expect, it } from 'vitest';
import { nodeVersionNotice, SDK_NODE_NOTICE_SWITCH, takeOverNodeVersionNotice } from '../../src/logging/node-version-notice.js';

describe('the notice on a Node past its end of life', () => {
  it('is one line on Node 20 (and older), naming the version, the floor and the AWS SDK cut-off', () => {
    const notice = nodeVersionNotice('v20.20.2');
    expect(notice).toBe(
      "Node v20.20.2 is past its end of life: Node 22 or later is required, and the AWS SDK's releases after the first week of " +
        'January 2027 drop Node 20; this run goes on',
    );
    expect(notice).not.toContain('\n');
    expect(nodeVersionNotice('v18.20.8')).toMatch(/^Node v18\.20\.8 is past its end of life: .* drop Node 18; this run goes on$/);
    expect(nodeVersionNotice('v21.7.3')).toMatch(/^Node v21\.7\.3 is past its end of life/);
  });

  it('is nothing on Node 22, 24 and later, nor on a version it cannot read', () => {
    for (const version of ['v22.0.0', 'v22.23.3', 'v24.11.1', 'v26.1.0', '', 'unknown']) expect(nodeVersionNotice(version), version).toBeUndefined();
  });

  it("switches the AWS SDK's own notice off only where it gives its own", () => {
    const onNode20: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
    expect(takeOverNodeVersionNotice('v20.20.2', onNode20)).toBe(nodeVersionNotice('v20.20.2'));
    expect(onNode20).toEqual({ PATH: '/usr/bin', [SDK_NODE_NOTICE_SWITCH]: 'true' });
    expect(SDK_NODE_NOTICE_SWITCH).toBe('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');

    for (const version of ['v22.23.3', 'v24.11.1']) {
      const supported: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
      expect(takeOverNodeVersionNotice(version, supported)).toBeUndefined();
      expect(supported).toEqual({ PATH: '/usr/bin' });
    }
  });
});
