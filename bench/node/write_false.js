// How many bytes socket.write() accepts before it first returns false, when
// the peer does not read (facts.md: 59 writes of 64 KiB returned true on
// the reference machine). The client connects and never reads; the server
// writes 64 KiB chunks, giving the kernel a moment between writes so its
// buffers fill as they would under a real load. Prints one JSON line.
"use strict";
const net = require("net");
const CHUNK = 65536;
const chunk = Buffer.alloc(CHUNK, "x");
const server = net.createServer((socket) => {
  let accepted = 0;
  let writes = 0;
  function writeMore() {
    writes += 1;
    if (socket.write(chunk)) {
      accepted += CHUNK;
      setImmediate(writeMore);
      return;
    }
    console.log(JSON.stringify({
      node: process.version, chunk_bytes: CHUNK, writes_true: writes - 1,
      bytes_before_false: accepted, writable_length_at_false: socket.writableLength,
      high_water_mark: socket.writableHighWaterMark,
    }));
    socket.destroy();
    client.destroy();
    server.close();
  }
  writeMore();
});
let client;
server.listen(0, "127.0.0.1", () => {
  client = net.connect(server.address().port, "127.0.0.1");
  client.pause(); // never read
});
