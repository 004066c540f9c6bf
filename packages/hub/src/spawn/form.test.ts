// The one description of the spawn form: remembered values are shown while they still fit and
// fall back to the default when they no longer do, and home paths are shown as typed (`~/…`).
// "Other software" is a field like the others, where the site wants it: suggestions from the
// modules listed, a remembered module that is gone dropped and the rest kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_APPS } from '../apps/builtins.js';
import { AppCatalog } from '../apps/catalog.js';
import type { AppDefinition } from '../apps/definition.js';
import { loadConfig } from '../config/index.js';
import { softwareField } from '../modules/field.js';
import { parseTerse } from '../modules/terse.js';
import { RESOURCE_FIELDS } from '../test-support/pages.js';
import { chooseApp, describeForm } from './form.js';

const catalog = new AppCatalog(BUILTIN_APPS);
const jupyterlab = chooseApp(catalog, 'jupyterlab');
const tensorboard = chooseApp(catalog, 'tensorboard');
const fieldsOf = (app: AppDefinition) => catalog.fields(app, RESOURCE_FIELDS);

const values = (app: AppDefinition, remembered: Record<string, string | number | boolean>) =>
  Object.fromEntries(
    describeForm(catalog, app, fieldsOf(app), { values: remembered }).fields.map((f) => [f.name, f.value]),
  );

describe('the spawn form description', () => {
  it('shows the defaults, with home paths as a user types them', () => {
    const form = describeForm(catalog, jupyterlab, fieldsOf(jupyterlab), { values: {} });
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

  describe('"Other software"', () => {
    const config = loadConfig({ env: {} }).config;
    const listing = parseTerse('gcc/12.2.0\ngcc/13.1.0\npython/3.11.6\ncuda/12.1\n');
    const software = softwareField(config, 'jupyterlab', listing);
    const modulesOf = (values: Record<string, string | number | boolean>, listed = software) =>
      describeForm(catalog, jupyterlab, fieldsOf(jupyterlab), { values }, listed).fields.find(
        (f) => f.name === 'modules',
      );

    it('is described like any field: label, suggestions, default, before the custom script', () => {
      const form = describeForm(catalog, jupyterlab, fieldsOf(jupyterlab), { values: {} }, software);
      assert.deepEqual(
        form.fields.map((f) => f.name),
        ['partition', 'cores', 'memory_gb', 'hours', 'modules', 'custom_script'],
      );
      assert.deepEqual(modulesOf({}), {
        name: 'modules',
        type: 'modules',
        label: 'Other software',
        help:
          'Environment modules to load before the app starts, separated by spaces, like gcc/12.2.0 ' +
          'python/3.11.6. Only modules this cluster has, at most 16.',
        suggestions: ['cuda/12.1', 'gcc/12.2.0', 'gcc/13.1.0', 'python/3.11.6'],
        default: '',
        value: '',
        fixed: false,
      });
    });

    it('shows the remembered modules; one that no longer exists is dropped, the rest kept', () => {
      assert.equal(modulesOf({ modules: 'gcc/12.2.0 cuda/12.1' })?.value, 'gcc/12.2.0 cuda/12.1');
      assert.equal(
        modulesOf({ modules: 'gcc/12.2.0 matlab/R2024a python/3.11.6 gcc/11.1.0' })?.value,
        'gcc/12.2.0 python/3.11.6',
      );
      // A name without its version is still one the module system answers to.
      assert.equal(modulesOf({ modules: 'gcc python' })?.value, 'gcc python');
      // Whatever a stored value holds, only names are shown.
      assert.equal(modulesOf({ modules: 'gcc/12.2.0 $(id) ../x' })?.value, 'gcc/12.2.0');
      assert.equal(modulesOf({ modules: 42 })?.value, '');
      // Before the first listing (or with `modules.names: pattern`), names are kept by pattern.
      assert.equal(
        modulesOf({ modules: 'matlab/R2024a gcc' }, softwareField(config, 'jupyterlab', undefined))?.value,
        'matlab/R2024a gcc',
      );
      assert.deepEqual(softwareField(config, 'jupyterlab', undefined)?.suggestions, []);
    });

    it('the site chooses its label and the apps that have it', () => {
      const site = loadConfig({
        env: { HPCHUB_MODULES_FIELD_LABEL: 'Modules', HPCHUB_MODULES_FIELD_APPS: 'jupyterlab,rstudio' },
      }).config;
      assert.equal(softwareField(site, 'jupyterlab', listing)?.label, 'Modules');
      assert.equal(softwareField(site, 'tensorboard', listing), undefined);
      const none = loadConfig({ env: { HPCHUB_MODULES_FIELD_APPS: '' } }).config;
      assert.deepEqual(none.modules.field_apps, []);
      assert.equal(softwareField(none, 'jupyterlab', listing), undefined);
      assert.throws(
        () => loadConfig({ env: { HPCHUB_MODULES_FIELD_APPS: 'jupyter lab' } }),
        /modules\.field_apps/,
      );
    });
  });
});
