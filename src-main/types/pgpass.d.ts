/** pgpass (node-postgres' own reader of ~/.pgpass) ships no types: the one call we make. */
declare module 'pgpass' {
  function pgpass(connection: { host: string; port: string; database: string; user: string }, done: (password: string | undefined) => void): void;
  export default pgpass;
}
