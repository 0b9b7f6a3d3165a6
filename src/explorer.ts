import { Router } from 'express';
import path from 'node:path';

/**
 * GraphiQL served from node_modules: Apollo's default landing page loads from a CDN,
 * which many networks (and this one) cannot reach.
 */
export function explorerRouter(): Router {
  const router = Router();
  const asset = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
  const files: Record<string, string> = {
    'react.js': asset('react', 'umd/react.production.min.js'),
    'react-dom.js': asset('react-dom', 'umd/react-dom.production.min.js'),
    'graphiql.js': asset('graphiql', 'graphiql.min.js'),
    'graphiql.css': asset('graphiql', 'graphiql.min.css'),
  };
  router.get('/explorer/:file', (req, res, next) => {
    const file = files[req.params.file];
    if (!file) return next();
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(file);
  });
  router.get(['/', '/explorer'], (_req, res) => {
    res.type('html').send(EXPLORER_HTML);
  });
  return router;
}

const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Strata explorer</title>
  <link rel="stylesheet" href="/explorer/graphiql.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/explorer/react.js"></script>
  <script src="/explorer/react-dom.js"></script>
  <script src="/explorer/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    const query = '# Put your API key in the Headers tab below.\\n{\\n  tierPrograms { key name tiers { key name rank } }\\n}\\n';
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: query,
        defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your api key>' }, null, 2),
        shouldPersistHeaders: true,
      }),
    );
  </script>
</body>
</html>`;
