// PostGraphile 5 over Citynet's PostgreSQL database, one process per core (Node's cluster
// module shares the port), for bench/peer/run. Settings by environment: DATABASE_URL, PORT,
// WORKERS (default: the number of cores).
import cluster from "node:cluster";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const port = Number(process.env.PORT ?? 18320);
const workers = Number(process.env.WORKERS ?? availableParallelism());

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`postgraphile worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
} else {
  const preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] }),
    ],
    grafserv: { port, graphqlPath: "/graphql", graphiql: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
  await serv.addTo(server);
  server.listen(port, "127.0.0.1");
}
