// The escaping of names typed into the login form before they reach a directory (RFC 4515 for
// filters, RFC 4514 for DNs), and the filling of the configured templates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './escape.js';

describe('LDAP escaping', () => {
  test('filter values: the special characters of RFC 4515 become hex escapes', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('ada)(uid=*'), 'ada\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('a\\b'), 'a\\5cb');
    assert.equal(escapeFilterValue('nul\0byte'), 'nul\\00byte');
    assert.equal(escapeFilterValue('jdoe.smith-2'), 'jdoe.smith-2');
  });

  test('DN values: the special characters of RFC 4514, and leading and trailing spaces and #', () => {
    assert.equal(escapeDnValue('x,ou=admins'), 'x\\,ou\\=admins');
    assert.equal(escapeDnValue('a+b"c;d<e>f\\g'), 'a\\+b\\"c\\;d\\<e\\>f\\\\g');
    assert.equal(escapeDnValue('#x'), '\\#x');
    assert.equal(escapeDnValue(' x '), '\\ x\\ ');
    assert.equal(escapeDnValue('nul\0'), 'nul\\00');
    assert.equal(escapeDnValue('ada'), 'ada');
  });

  test('templates take values literally, $ patterns included, and leave unknown placeholders', () => {
    assert.equal(fillTemplate('(uid={username})', { username: '$&$1' }), '(uid=$&$1)');
    assert.equal(fillTemplate('(member={dn})({other})', { dn: 'uid=a' }), '(member=uid=a)({other})');
  });
});
