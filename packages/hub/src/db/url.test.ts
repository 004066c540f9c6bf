import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDatabaseUrl, redactUrl } from './url.js';

describe('database URLs', () => {
  it('select SQLite for an absolute path or memory', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/hpchub/hub.sqlite'), {
      engine: 'sqlite',
      path: '/var/lib/hpchub/hub.sqlite',
    });
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/hpchub/hub.sqlite'), {
      engine: 'sqlite',
      path: '/var/lib/hpchub/hub.sqlite',
    });
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { engine: 'sqlite', path: ':memory:' });
  });

  it('select PostgreSQL for both of its schemes', () => {
    for (const url of ['postgres://u:p@db/hub', 'postgresql://u:p@db:5433/hub?sslmode=require']) {
      assert.deepEqual(parseDatabaseUrl(url), { engine: 'postgres', url });
    }
  });

  it('refuse a relative SQLite path', () => {
    assert.throws(() => parseDatabaseUrl('sqlite:hub.sqlite'), /must name an absolute path/);
    assert.throws(() => parseDatabaseUrl('sqlite:'), /must name an absolute path/);
  });

  it('refuse other engines, without printing the password', () => {
    assert.throws(
      () => parseDatabaseUrl('mysql://hub:s3cret@db/hub'),
      (error: Error) =>
        /not supported/.test(error.message) &&
        /postgres:\/\//.test(error.message) &&
        !error.message.includes('s3cret'),
    );
  });

  it('redact passwords in the authority and in the query', () => {
    assert.equal(redactUrl('postgres://hub:s3cret@db:5432/hub'), 'postgres://hub:***@db:5432/hub');
    assert.equal(redactUrl('postgres://hub:p%40ss@w0rd@db/hub'), 'postgres://hub:***@db/hub');
    assert.equal(
      redactUrl('postgres://hub@db/hub?password=s3cret&x=1'),
      'postgres://hub@db/hub?password=***&x=1',
    );
    assert.equal(redactUrl('postgres://db/hub?sslpassword=k'), 'postgres://db/hub?sslpassword=***');
    assert.equal(redactUrl('postgres://hub@db/hub'), 'postgres://hub@db/hub');
    assert.equal(redactUrl('sqlite:/var/lib/hpchub/hub.sqlite'), 'sqlite:/var/lib/hpchub/hub.sqlite');
  });
});
