// The exact bytes of a Node http response, captured by a raw net client.
// Two servers: one does res.write("Hello"); res.write(" world"); res.end()
// (no length known: chunked), the other res.end("Hello world") (length
// known: Content-Length). Each is asked once with "Connection: close" (the
// response ends at EOF) and once keeping the connection alive (the response
// ends where its framing says). Prints one JSON object; the Date header's
// value changes every second, so it is replaced by "<date>".
'use strict';
const http = require('http');
const net = require('net');

const programs = {
  'write-end': (req, res) => { res.write('Hello world'); res.end(); },
  'write-write-end': (req, res) => { res.write('Hello'); res.write(' world'); res.end(); },
  'end-with-body': (req, res) => { res.end('Hello world'); },
};

// A kept-alive response is complete after the last chunk or the whole body.
function complete(text) {
  const head = text.indexOf('\r\n\r\n');
  if (head < 0) return false;
  const length = /\r\nContent-Length: (\d+)\r\n/i.exec(text.slice(0, head + 2));
  if (length) return text.length >= head + 4 + Number(length[1]);
  return text.endsWith('\r\n0\r\n\r\n');
}

function capture(name, handler, keepAlive) {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => {
      const client = net.connect(server.address().port, '127.0.0.1');
      let text = '';
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        client.destroy();
        server.close();
        resolve({ program: name, keep_alive: keepAlive,
                  response: text.replace(/\r\nDate: [^\r]*\r\n/, '\r\nDate: <date>\r\n') });
      };
      const connection = keepAlive ? 'keep-alive' : 'close';
      client.on('connect', () => client.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${connection}\r\n\r\n`));
      client.on('data', (d) => {
        text += d.toString('latin1');
        if (keepAlive && complete(text)) finish();
      });
      client.on('end', finish);
    });
  });
}

(async () => {
  const responses = [];
  for (const [name, handler] of Object.entries(programs)) {
    for (const keepAlive of [false, true]) responses.push(await capture(name, handler, keepAlive));
  }
  console.log(JSON.stringify({ node: process.version, responses }));
})();
setTimeout(() => { console.error('http_framing.js: timed out'); process.exit(2); }, 5000).unref();
