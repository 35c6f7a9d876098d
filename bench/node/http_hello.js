// Node 20's http hello world, the reference loopscope's real HTTP server is
// measured against (bench/real/real_bench.cpp runs it pinned to one core,
// with wrk on the other). Usage: node http_hello.js PORT
"use strict";
const http = require("http");
const port = Number(process.argv[2] || 3000);
const body = "Hello world";
http
  .createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  })
  .listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
