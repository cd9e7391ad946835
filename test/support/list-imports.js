// Usage: node list-imports.js <module file>. Imports the module with the recorder hooks and
// prints every module URL resolved while loading it, as a JSON array on stdout.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

// Resolved last; the hooks post in order on one port, so once it arrives every earlier one has.
const END = 'data:text/javascript,export default "end of the recording";';

const { port1, port2 } = new MessageChannel();
const urls = [];
const recorded = new Promise((resolve) => {
  port1.on('message', (url) => {
    if (url === END) resolve();
    else urls.push(url);
  });
});
register(new URL('./import-recorder.js', import.meta.url), {
  data: { port: port2 },
  transferList: [port2],
});
await import(pathToFileURL(process.argv[2]).href);
await import(END);
await recorded;
port1.close();
process.stdout.write(JSON.stringify(urls));
