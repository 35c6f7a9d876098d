// Node's http server for the idle-connections memory measure: the same
// hello world as http_hello.js, plus a line on stdout with its pid so the
// bench can read /proc/PID/status. Usage: node idle_server.js PORT
"use strict";
const http = require("http");
const port = Number(process.argv[2] || 3000);
const server = http.createServer((req, res) => res.end("Hello world"));
server.keepAliveTimeout = 600000; // idle connections stay for the measure
server.headersTimeout = 600000;
server.requestTimeout = 0;
server.listen(port, "127.0.0.1", () => console.log(`listening ${port} pid ${process.pid}`));
