// The progress of a start as its page and the API see it: steps at their percentages, the
// agent's messages climbing, and a bar that never moves back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressBus } from './progress.js';

test('steps and agent messages climb in the order they come', () => {
  const bus = new ProgressBus();
  bus.step(1, 'submitted', 'Job submitted');
  bus.step(1, 'running', 'Job running');
  bus.agent(1, 'Starting JupyterLab');
  assert.deepEqual(
    bus.snapshot(1).events.map((e) => e.progress),
    [20, 50, 66],
  );
});

test('the bar never moves back: a poll that sees the job running after the agent spoke', () => {
  const bus = new ProgressBus();
  const heard: number[] = [];
  bus.subscribe(1, (event) => heard.push(event.progress));
  bus.step(1, 'submitted', 'Job submitted');
  bus.agent(1, 'Starting JupyterLab on the node');
  bus.step(1, 'running', 'Job running on node c1');
  const { events } = bus.snapshot(1);
  assert.deepEqual(
    events.map((e) => [e.message, e.progress]),
    [
      ['Job submitted', 20],
      ['Starting JupyterLab on the node', 63],
      ['Job running on node c1', 63],
    ],
  );
  assert.deepEqual(heard, [20, 63, 63]);
});

test('a new start of the server begins again from its first step', () => {
  const bus = new ProgressBus();
  bus.step(1, 'done', 'Ready', { ready: true });
  bus.reset(1);
  bus.step(1, 'submitted', 'Job submitted');
  assert.deepEqual(
    bus.snapshot(1).events.map((e) => e.progress),
    [20],
  );
});
