// socket.write()'s return value against a client that does not read.
// Usage: node write_returns.js CHUNK_BYTES [HIGH_WATER_MARK]
// The server writes CHUNK_BYTES at a time, in one synchronous loop. How many
// writes the kernel takes first depends on Linux's buffer autotuning, so the
// counting starts at the first write whose bytes stay in user space
// (writableLength > 0 after it): from there every byte is Node's, and
// write() must return true until writableLength reaches highWaterMark.
// Then the client reads everything, and we see whether 'drain' fires.
// Prints one JSON object.
'use strict';
const net = require('net');

const chunk = Number(process.argv[2]);
const highWaterMark = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
if (!(chunk > 0) || (highWaterMark !== undefined && !(highWaterMark > 0))) {
  console.error('usage: node write_returns.js CHUNK_BYTES [HIGH_WATER_MARK]');
  process.exit(2);
}
const limit = 256 << 20;  // never fill more than this, whatever the kernel takes

let client;
const result = { node: process.version, chunk };
let written = 0;

// Without a highWaterMark, the server's sockets keep Node's default.
const options = highWaterMark === undefined ? {} : { highWaterMark };
const server = net.createServer(options, (socket) => {
  result.high_water_mark = socket.writableHighWaterMark;
  const data = Buffer.alloc(chunk, 'x');
  let returned = true;
  let kernelWrites = 0;
  for (;;) {
    returned = socket.write(data);
    written += chunk;
    if (socket.writableLength > 0 || written >= limit) break;
    ++kernelWrites;
  }
  result.kernel_writes = kernelWrites;  // varies with autotuning; not compared
  const returns = [returned];
  const lengths = [socket.writableLength];
  while (returned) {
    returned = socket.write(data);
    written += chunk;
    returns.push(returned);
    lengths.push(socket.writableLength);
  }
  result.user_space_writes = returns.length;
  result.trues_before_false = returns.length - 1;
  result.writable_length_at_false = lengths[lengths.length - 1];
  result.drains = 0;
  socket.on('drain', () => {
    ++result.drains;
    result.writable_length_at_drain = socket.writableLength;
    socket.end();
  });
  client.resume();
});

server.listen(0, '127.0.0.1', () => {
  client = net.connect(server.address().port, '127.0.0.1');
  client.pause();
  let received = 0;
  client.on('data', (d) => { received += d.length; });
  client.on('end', () => {
    result.received = received;
    result.written = written;
    console.log(JSON.stringify(result));
    client.destroy();
    server.close();
  });
});
setTimeout(() => { console.error('write_returns.js: timed out'); process.exit(2); }, 8000).unref();
