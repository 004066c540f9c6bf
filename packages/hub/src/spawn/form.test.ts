// The one description of the spawn form: remembered values are shown while they still fit and
// fall back to the default when they no longer do, and home paths are shown as typed (`~/…`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_APPS } from '../apps/builtins.js';
import { AppCatalog } from '../apps/catalog.js';
import type { AppDefinition } from '../apps/definition.js';
import { RESOURCE_FIELDS } from '../test-support/pages.js';
import { chooseApp, describeForm } from './form.js';

const catalog = new AppCatalog(BUILTIN_APPS);
const jupyterlab = chooseApp(catalog, 'jupyterlab');
const tensorboard = chooseApp(catalog, 'tensorboard');
const fieldsOf = (app: AppDefinition) => catalog.fields(app, RESOURCE_FIELDS);

const values = (app: AppDefinition, remembered: Record<string, string | number | boolean>) =>
  Object.fromEntries(
    describeForm(catalog, app, fieldsOf(app), remembered).fields.map((f) => [f.name, f.value]),
  );

describe('the spawn form description', () => {
  it('shows the defaults, with home paths as a user types them', () => {
    const form = describeForm(catalog, jupyterlab, fieldsOf(jupyterlab), {});
    assert.equal(form.app, 'jupyterlab');
    assert.equal(form.remembered, false);
    const shown = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
    assert.deepEqual(shown, {
      partition: 'normal',
      cores: 2,
      memory_gb: 4,
      hours: 4,
      custom_script: '~/.jupyterlabrc',
    });
    assert.equal(form.fields.find((f) => f.name === 'partition')?.fixed, false);
  });

  it('shows remembered values that still fit, home paths with `~/` whatever form they were stored in', () => {
    assert.deepEqual(
      values(tensorboard, { partition: 'short', cores: 1, custom_script: 'envs/tb.sh', logdir: '.' }),
      {
        partition: 'short',
        cores: 1,
        memory_gb: 2,
        hours: 1,
        custom_script: '~/envs/tb.sh',
        logdir: '~',
      },
    );
    // A stored `~/x` (as an older hub kept it) is shown once, not as `~/~/x`.
    assert.equal(values(jupyterlab, { custom_script: '~/envs/lab.sh' }).custom_script, '~/envs/lab.sh');
  });

  it('falls back to the default for a remembered value that no longer fits, keeping the rest', () => {
    // A partition that is gone: its choice and nothing else falls back.
    assert.deepEqual(values(jupyterlab, { partition: 'gpu', cores: 8, custom_script: 'a.sh' }), {
      partition: 'normal',
      cores: 8,
      memory_gb: 4,
      hours: 4,
      custom_script: '~/a.sh',
    });
    // More cores than the remembered partition allows: the cores fall back to the default, within
    // what the partition allows; the partition stays.
    assert.deepEqual(values(jupyterlab, { partition: 'short', cores: 8 }), {
      partition: 'short',
      cores: 1,
      memory_gb: 2,
      hours: 1,
      custom_script: '~/.jupyterlabrc',
    });
    // A remembered path that is no longer acceptable, and an option the form no longer has.
    assert.deepEqual(values(jupyterlab, { custom_script: '../outside', old_option: true }), {
      partition: 'normal',
      cores: 2,
      memory_gb: 4,
      hours: 4,
      custom_script: '~/.jupyterlabrc',
    });
  });

  it('names the app field when the app is unknown', () => {
    assert.throws(
      () => chooseApp(catalog, 'emacs'),
      (err: { validations?: { field: string }[] }) => err.validations?.[0]?.field === 'app',
    );
    assert.equal(chooseApp(catalog, undefined).id, catalog.apps[0]?.id);
  });
});
