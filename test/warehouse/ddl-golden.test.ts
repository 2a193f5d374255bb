import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DDL_TARGET_NAMES } from '../../src/warehouse/ddl-target.js';
import { DDL_TARGETS } from '../../src/warehouse/ddl-statements.js';
import { GOLDEN_CASES } from './ddl-fixtures.js';

/**
 * Every engine's statements for fixed manifests (two committed exports of a table, one export alone, and
 * two exports whose columns differ), pinned in test/warehouse/golden/<case>.<engine>.sql. After a deliberate
 * change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const update = process.env.UPDATE_GOLDEN === '1';

describe.each(GOLDEN_CASES)('ddl golden: $name', ({ name, input }) => {
  it.each([...DDL_TARGET_NAMES])('%s', (engine) => {
    const sql = DDL_TARGETS[engine].render(input);
    const file = fileURLToPath(new URL(`./golden/${name}.${engine}.sql`, import.meta.url));
    if (update || !existsSync(file)) writeFileSync(file, sql);
    expect(sql).toBe(readFileSync(file, 'utf8'));
  });
});
