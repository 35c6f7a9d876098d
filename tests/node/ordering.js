// Which callback runs first? Each case registers process.nextTick,
// Promise.resolve().then, setImmediate and setTimeout(..., 0) callbacks
// (some of which register more) from inside a callback: a socket's 'data'
// (an I/O callback), a timer or an immediate. Prints one JSON object: every case as it was
// registered and the order its callbacks ran.
// Only orders Node guarantees are used: no timeout registered where the
// 1 ms minimum decides whether it runs before a later immediate.
'use strict';
const net = require('net');

const kinds = ['tick', 'promise', 'immediate', 'timeout'];

function permutations(items) {
  if (items.length <= 1) return [items];
  const out = [];
  items.forEach((first, i) => {
    const rest = items.slice(0, i).concat(items.slice(i + 1));
    for (const p of permutations(rest)) out.push([first].concat(p));
  });
  return out;
}

function leaf(kind) { return { kind, name: kind, then: [] }; }

const cases = [];
for (const context of ['data', 'timer']) {
  for (const order of permutations(kinds)) cases.push({ context, register: order.map(leaf) });
}
// Inside an immediate a timeout races the next check phase against the 1 ms
// minimum, so only the other three are registered there.
for (const order of permutations(['tick', 'promise', 'immediate'])) {
  cases.push({ context: 'immediate', register: order.map(leaf) });
}
// Callbacks that register more callbacks.
const node = (kind, name, then = []) => ({ kind, name, then });
cases.push({ context: 'data', register: [
  node('promise', 'P1', [node('tick', 'T2'), node('promise', 'P3')]),
  node('promise', 'P2'),
  node('tick', 'T1', [node('promise', 'P4'), node('tick', 'T3')]),
] });
cases.push({ context: 'data', register: [
  node('immediate', 'I1', [node('tick', 'T2'), node('promise', 'P2'), node('immediate', 'I3')]),
  node('immediate', 'I2', [node('promise', 'P3')]),
  node('tick', 'T1', [node('immediate', 'I4')]),
] });
cases.push({ context: 'data', register: [
  node('timeout', 'O1', [node('tick', 'T2'), node('promise', 'P2')]),
  node('timeout', 'O2'),
  node('promise', 'P1', [node('immediate', 'I1', [node('tick', 'T3')])]),
] });
cases.push({ context: 'timer', register: [
  node('timeout', 'O1'),
  node('immediate', 'I1', [node('promise', 'P2')]),
  node('promise', 'P1', [node('tick', 'T1'), node('promise', 'P3')]),
] });

function size(list) { return list.reduce((n, c) => n + 1 + size(c.then), 0); }

function register(spec, ran, done) {
  const run = () => {
    ran.push(spec.name);
    for (const child of spec.then) register(child, ran, done);
    done();
  };
  switch (spec.kind) {
    case 'tick': process.nextTick(run); break;
    case 'promise': Promise.resolve().then(run); break;
    case 'immediate': setImmediate(run); break;
    case 'timeout': setTimeout(run, 0); break;
    default: throw new Error('unknown kind ' + spec.kind);
  }
}

const results = [];
const server = net.createServer((socket) => {
  socket.on('data', () => {
    const c = cases[results.length];
    const ran = [];
    const total = size(c.register);
    const done = () => {
      if (ran.length < total) return;
      results.push({ context: c.context, register: c.register, ran });
      socket.write('next');
    };
    const start = () => { for (const spec of c.register) register(spec, ran, done); };
    if (c.context === 'data') start();
    else if (c.context === 'timer') setTimeout(start, 0);
    else setImmediate(start);
  });
});

server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1');
  const ask = () => {
    if (results.length === cases.length) {
      console.log(JSON.stringify({ node: process.version, cases: results }));
      client.destroy();
      server.close();
      return;
    }
    client.write('case');
  };
  client.on('connect', ask);
  client.on('data', ask);
});
setTimeout(() => { console.error('ordering.js: timed out'); process.exit(2); }, 5000).unref();
