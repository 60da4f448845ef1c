import type { GroupConnection } from '../../../../src-shared/people';

/** A connection's environment label in its colour (a production label starts with PROD), and read-only marked. */
export function ConnectionTag({ connection }: { connection: Pick<GroupConnection, 'environment' | 'colour' | 'readOnly'> }) {
  return (
    <>
      <span className={`env-label env-colour-${colourOf(connection)}`}>{connection.environment.toUpperCase()}</span>
      {connection.readOnly ? <span className="read-only-badge">read-only</span> : null}
    </>
  );
}

/** Production is red whatever colour was chosen (as on the Connections screen and the top bar). */
export function colourOf(connection: { environment: string; colour: GroupConnection['colour'] }): GroupConnection['colour'] {
  return /^prod/i.test(connection.environment) ? 'red' : connection.colour;
}
