// The site's rules from a provider's names to hub usernames and groups: the table first, then the
// pattern, the listed domains and lower case; anything that does not become a valid name is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccountMap } from './account-map.js';

const rules = (
  account_map: Partial<{ table: string[]; pattern: string; strip_domains: string[] }>,
  group_map: string[] = [],
) =>
  createAccountMap({ account_map: { table: [], pattern: '', strip_domains: [], ...account_map }, group_map });

describe('account map', () => {
  test('lower-cases, and strips only the listed domains', () => {
    const map = rules({ strip_domains: ['uni.example', 'staff.uni.example'] });
    assert.deepEqual(map.username('JDoe@Uni.Example'), { ok: true, name: 'jdoe' });
    assert.deepEqual(map.username('ann@staff.uni.example'), { ok: true, name: 'ann' });
    const other = map.username('jdoe@elsewhere.example');
    assert.equal(other.ok, false);
  });

  test('a pattern takes its first group, and a value that does not match is refused', () => {
    const map = rules({ pattern: '^([a-z0-9]+)@uni\\.example$' });
    assert.deepEqual(map.username('jdoe42@uni.example'), { ok: true, name: 'jdoe42' });
    assert.match((map.username('jdoe@evil.example') as { problem: string }).problem, /does not match/);
  });

  test('the table wins over the rules, and its names must be valid too', () => {
    const map = rules({
      table: ['jane.doe@uni.example: jdoe', 'https://id.example/42: ../root'],
      strip_domains: ['uni.example'],
    });
    assert.deepEqual(map.username('jane.doe@uni.example'), { ok: true, name: 'jdoe' });
    assert.deepEqual(map.username('john@uni.example'), { ok: true, name: 'john' });
    assert.equal(map.username('https://id.example/42').ok, false);
  });

  test('names that are not account names are refused whatever the rules', () => {
    const map = rules({});
    for (const bad of ['', 'a/b', 'x'.repeat(40), '-rf', 'jdoe@uni.example', 'a..b'])
      assert.equal(map.username(bad).ok, false, bad);
  });

  test('groups are renamed by the group map, lower-cased, and invalid names dropped', () => {
    const map = rules({}, ['/hpc/admins: hpc-admins']);
    assert.deepEqual(map.groups(['/hpc/admins', 'Physics', 'domain users', 'physics']), [
      'hpc-admins',
      'physics',
    ]);
  });
});
