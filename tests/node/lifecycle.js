// Which events a server's net.Socket emits when one side finishes first,
// with Node's default allowHalfOpen (false): the side that gets the peer's
// FIN ends its own side too. Two programs:
//   client-ends: the client writes "hello" and end()s; the server only listens.
//   server-ends: the server writes "bye" and end()s on 'connection'; the
//                client only reads.
// Prints one JSON object: per program the server socket's 'data' / 'end' /
// 'close' events in order (consecutive 'data' events counted as one, since
// TCP decides how many there are) and what the client received before EOF.
'use strict';
const net = require('net');

const programs = {
  'client-ends': { server: () => {}, client: (c) => { c.write('hello'); c.end(); } },
  'server-ends': { server: (s) => { s.write('bye'); s.end(); }, client: () => {} },
};

function run(name, program) {
  return new Promise((resolve) => {
    const events = [];
    const note = (e) => { if (events[events.length - 1] !== e) events.push(e); };
    let serverClosed = false;
    let clientClosed = false;
    let received = '';
    let clientEof = false;
    const server = net.createServer((socket) => {
      socket.on('data', () => note('data'));
      socket.on('end', () => note('end'));
      socket.on('close', (hadError) => { note(hadError ? 'close:error' : 'close'); serverClosed = true; finish(); });
      program.server(socket);
    });
    const finish = () => {
      if (!serverClosed || !clientClosed) return;
      server.close();
      resolve({ program: name, server_events: events, client_received: received, client_eof: clientEof });
    };
    server.listen(0, '127.0.0.1', () => {
      const client = net.connect(server.address().port, '127.0.0.1', () => program.client(client));
      client.on('data', (d) => { received += d.toString('latin1'); });
      client.on('end', () => { clientEof = true; });
      client.on('close', () => { clientClosed = true; finish(); });
    });
  });
}

(async () => {
  const results = [];
  for (const [name, program] of Object.entries(programs)) results.push(await run(name, program));
  console.log(JSON.stringify({ node: process.version, programs: results }));
})();
setTimeout(() => { console.error('lifecycle.js: timed out'); process.exit(2); }, 5000).unref();
