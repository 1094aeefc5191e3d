// The baseline every figure is divided by: a bare node:http server answering a fixed small JSON
// body, in its own process like the server under test. Prints its URL once listening.
import { createServer } from 'node:http';

const body = Buffer.from('{"success":true,"id":"8a808255557baba1015580e12fa5083a"}');
const server = createServer((request, response) => {
  // Drain any request body, as a real server must before answering on a kept-alive socket.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
