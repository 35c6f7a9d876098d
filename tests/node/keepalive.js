// How many connections a Node http client opens, and how many requests
// each one carries. Usage:
//   node keepalive.js on|off MAX_SOCKETS|Infinity REQUESTS sequential|parallel|page
// The client is an http.Agent({keepAlive, maxSockets}); "sequential" asks for
// the next resource when the previous response has ended, "parallel" asks for
// all at once (the agent queues what exceeds maxSockets), "page" asks for the
// first, then for the other REQUESTS - 1 at once, as a browser loads a page
// and what it links to. Every response is 1000 bytes. The server counts
// its 'connection' events and the requests each socket (req.socket) served,
// and notes the Connection headers the requests carried: an agent without
// keepAlive but with a finite maxSockets still sends "keep-alive" and hands
// a socket to a queued request; only with maxSockets Infinity does it send
// "close". Prints one JSON object.
'use strict';
const http = require('http');

const [keepAliveArg, maxSocketsArg, requestsArg, mode] = process.argv.slice(2);
const keepAlive = keepAliveArg === 'on';
const maxSockets = Number(maxSocketsArg);
const requests = Number(requestsArg);
if (!['on', 'off'].includes(keepAliveArg) || !(maxSockets > 0) || !(requests > 0) ||
    !['sequential', 'parallel', 'page'].includes(mode)) {
  console.error('usage: node keepalive.js on|off MAX_SOCKETS|Infinity REQUESTS sequential|parallel|page');
  process.exit(2);
}

const body = 'x'.repeat(1000);
const served = new Map();  // socket -> requests it carried, in 'connection' order
const connectionHeaders = new Set();
const server = http.createServer((req, res) => {
  served.set(req.socket, served.get(req.socket) + 1);
  connectionHeaders.add(req.headers.connection);
  res.end(body);
});
server.on('connection', (socket) => served.set(socket, 0));

server.listen(0, '127.0.0.1', () => {
  const agent = new http.Agent({ keepAlive, maxSockets });
  const port = server.address().port;
  const fetch = (i) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/r' + i, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  const all = [];
  if (mode === 'parallel') {
    for (let i = 0; i < requests; ++i) all.push(fetch(i));
  } else if (mode === 'page') {
    all.push(fetch(0).then(() => {
      const rest = [];
      for (let i = 1; i < requests; ++i) rest.push(fetch(i));
      return Promise.all(rest);
    }));
  } else {
    all.push((async () => { for (let i = 0; i < requests; ++i) await fetch(i); })());
  }
  Promise.all(all).then(() => {
    const perConnection = [...served.values()];
    console.log(JSON.stringify({
      node: process.version, keep_alive: keepAlive, max_sockets: String(maxSockets), requests, mode,
      connection_headers: [...connectionHeaders], connections: perConnection.length,
      requests_per_connection: perConnection,
    }));
    agent.destroy();
    server.close();
    server.closeAllConnections();
  }, (err) => { console.error(err); process.exit(1); });
});
setTimeout(() => { console.error('keepalive.js: timed out'); process.exit(2); }, 5000).unref();
