/** Help texts, one per command, printed by `--help`. */
const CONNECTION = `Connection (either a saved one, or flags):
  --store KIND              dynamodb (default: Sentinel sessions), redis (web sessions) or
                            postgres (the web app's sessions table in PostgreSQL)
  --postgres URL            with --store postgres: postgres://USER@HOST:PORT/DATABASE, libpq's
                            form (?sslmode=disable|require|verify-ca|verify-full; verify-full
                            by default for any host but this machine). The password comes from
                            PGPASSWORD or ~/.pgpass (PGPASSFILE), never from a flag.
  --postgres-ca FILE        PEM CA certificate for verify-ca / verify-full with a private CA
  --redis URL               with --store redis: redis:// or rediss:// (TLS) URL; give it several
                            times for a cluster's seed nodes. The password is best passed in
                            SESSION_WARDEN_REDIS_PASSWORD rather than in the URL.
  --redis-cluster           the Redis is a cluster (implied by several --redis)
  --redis-ca FILE           PEM CA certificate for rediss:// with a private CA
  --connection NAME         a saved connection from connections.json in the app's data directory
  --table NAME              Sentinel session table (required without --connection)
  --region REGION           AWS region (or AWS_REGION); "local" for a local endpoint
  --endpoint URL            DynamoDB endpoint (DynamoDB Local, a VPC endpoint)
  --aws-profile NAME        AWS profile from ~/.aws/config (default: the AWS credential chain)
  --blacklist-redis URL     (DynamoDB and PostgreSQL) also write revoked:<id> to this Redis (redis:// or rediss://). Its
                            password is best passed in SESSION_WARDEN_BLACKLIST_PASSWORD rather
                            than in the URL (which other users can read in ps). Writes still
                            pending from an earlier run are delivered first. A saved connection's
                            blacklist password is sealed by the app: set the same variable.
                            Local endpoints use the AWS keys in the environment (DynamoDB Local
                            keeps one database per key and region), fixed keys when none are set.
  --ledger PATH             revocation ledger (default: the app's data directory)`;

const TEAM = `  --team-ledger NAME        the team ledger every desk's revocations are chained into: a DynamoDB
                            table (usually <table>-revocations) or, with --store redis, a stream
                            key (usually session-warden:revocations). A saved connection's own
                            is used without it. Entries go to the local ledger first (fsynced)
                            and then to the team ledger; what cannot be delivered is said on
                            stderr and delivered by the app or the next command.`;

export const USAGE: Record<string, string> = {
  root: `Usage: session-warden <command> [options]

Commands:
  sessions list             list sessions (newest first)
  sessions show ID          show one session
  sessions revoke ID...     revoke sessions by id
  users revoke USER...      revoke every active session of users
  ledger verify             check the revocation ledger's hash chain (and the team ledger's)
  ledger list               print the ledger (the team ledger, with a connection)
  ledger init               create the connection's team ledger table
  ledger tail               print verified ledger entries as NDJSON (-f: keep printing new ones)
  blacklist pending         list blacklist writes not yet acknowledged by their Redis
  blacklist check           find revoked sessions the blacklist does not cover (--repair rewrites)
  canary run                revoke a test session and prove enforcement (--probe-url: a service too)
  iam deny                  deny AWS credentials already issued to revoked Sentinel sessions (inline role policy)
  iam list                  list the deny policies session-warden attached to a role, and when each may go
  iam remove                remove one of them once every credential it covers has expired
  people find PERSON        one person across the app's saved connections (incident mode)
  people revoke PERSON      revoke every live session of one person in the saved connections named

Run "session-warden <command> --help" for a command's options.
Ids or users that begin with "-" go after "--": session-warden sessions show -- -Xb3kP....
Exit codes: 0 success; 1 a revocation failed, a session was not found or a user's sessions could
not be listed; 2 bad usage or input (nothing written); 3 the store could not be reached before
any write; 4 every session is revoked in the store, but a blacklist entry is pending or failed;
5 (canary run) enforcement proven, but slower than the threshold; 130 stopped by a second Ctrl-C.`,
  'sessions list': `Usage: session-warden sessions list [options]

  --status STATUS           active (default), revoked, expired or any
  --user USER               only this user's sessions
  --profile PROFILE         only sessions of this profile
  --server-instance ID      only sessions of this Sentinel server instance
  --device TEXT             only sessions whose device contains TEXT, ignoring case (PostgreSQL)
  --ip ADDRESS|NETWORK      only sessions from this address, or any address in this network:
                            203.0.113.7, 10.1.0.0/16, 2001:db8::/32 (PostgreSQL)
  --search TEXT             only sessions whose id, user, e-mail, device, browser or IP address
                            contains TEXT, ignoring case (PostgreSQL)
  --since WHEN              created at or after: an RFC 3339 time or a duration back (30m, 12h, 7d, 2w)
  --until WHEN              created at or before (same forms)
  --limit N                 at most N sessions (default 50, at most 100000)
  --output FORMAT           table (default), json, ndjson or csv

${CONNECTION}`,
  'sessions show': `Usage: session-warden sessions show ID [--output table|json]

${CONNECTION}`,
  'sessions revoke': `Usage: session-warden sessions revoke ID... --reason-code CODE [options]
       session-warden sessions revoke --all-matching FILTERS [--dry-run] [--expect-count N] --reason-code CODE [options]

  --reason-code CODE        offboarding, security_incident, credential_compromise, role_change,
                            policy_violation, contractor_end, user_request, other (needs --note)
  --note TEXT               why (required with "other")
  --ticket REF              ticket or incident reference
  --output FORMAT           table (default) or json: [{id, user, outcome, blacklist?,
                            credentialsUntil? (issued credentials usable until, ISO UTC), error?}]

Everything a filter matches (--all-matching), across every page of the store, active sessions only:
  FILTERS                   at least one of --user, --profile, --server-instance, --device, --ip,
                            --search, --since, --until (as for sessions list); never the whole store
  --dry-run                 count what matches, per user and per profile, and write nothing (json:
                            {total, digest, byUser: [{name, count}], byProfile: [{name, count}], ids})
  --expect-count N          the count the dry run showed: required above 100 sessions; a count that
                            changed since is refused (exit 2) and nothing is written
  --expect-digest HEX       the digest the dry run printed: the very sessions counted, not just as many
                            (refused, exit 2, when one ended and another began meanwhile)
  At most 5000 sessions at once: narrow the filter for more. Exactly the sessions counted are revoked.
  Ctrl-C stops the run: no further session is started, those under way finish and are recorded,
  the rest are listed as not_attempted (written nowhere), exit 1; a second Ctrl-C exits at once (130).

The operator recorded as revoked_by is your AWS user name (or local:<os user> for a local
endpoint); it cannot be set by a flag.

${TEAM}

${CONNECTION}`,
  'users revoke': `Usage: session-warden users revoke USER... [--from-file FILE] --reason-code CODE [options]

  --from-file FILE          more users, one per line (blank lines and # comments ignored;
                            of a CSV line the first field is used)
  --reason-code CODE        as for "sessions revoke"
  --note TEXT               why (required with "other")
  --ticket REF              ticket or incident reference
  --output FORMAT           table (default) or json: a row per session, then a row per user
                            with nothing revoked ({id: null, user, outcome: "failed", error} when
                            their sessions could not be listed; "unknown_user" with suggestions
                            [{user, live}] for a name the store does not hold as typed;
                            "no_active_sessions" for a known user with nothing live)

User names match exactly. A name the store does not hold with live sessions (another case, an
e-mail, a typo) is reported as "unknown user, did you mean ..." with the closest names it holds,
nothing is revoked for it, and the exit status is 1; the other users are still revoked.

${TEAM}

${CONNECTION}`,
  'ledger verify': `Usage: session-warden ledger verify [--ledger PATH] [--output table|json]
       session-warden ledger verify --connection NAME | --table T ... [--team-ledger NAME] [--full]

Checks every link of the local ledger's hash chain and its head checkpoint. With a connection
that has a team ledger, also: the team chain; that the team history this desk verified before
is still there unchanged (a rewrite or a dropped end is found); that every team entry written by
this desk is in the local ledger (deleted or truncated local files are found); and that every
local entry meant for the team is on it or pending delivery. Only what is new since the last
verification is read; --full reads the whole team chain again (an entry edited in place behind
the last verified head is found only then, or by a desk that has not verified it yet).

  --full                    re-read the whole team chain
  --output FORMAT           table (default) or json: {ok, verifiedEntries, brokenAt?, reason?,
                            team?: {label, ok, entries, read, full, pending, brokenAt?, reason?}}

Exit 0 when intact, 1 with the first broken entry when not, 3 when the team ledger cannot be read.

${TEAM}

${CONNECTION}`,
  'ledger list': `Usage: session-warden ledger list [--ledger PATH] [--output table|json|ndjson|csv]
       session-warden ledger list --connection NAME | --table T ... [--team-ledger NAME] [--output ...]

Without a connection: this desk's local ledger. With one: its team ledger, every desk's entries,
oldest first (its position, the writing device, and the local entry's fields).

${TEAM}

${CONNECTION}`,
  'ledger tail': `Usage: session-warden ledger tail [--ledger PATH] [-f|--follow] [-n N] [--since WHEN] [--output ndjson|table]

Prints this desk's local ledger (every connection's revocations made here, by the app and the
command line; each entry's "connection" says which), one entry per line, for a log shipper. Each
line is checked against the hash chain before it is printed: at an entry that does not verify
(altered, forged, removed or reordered), the entries before it are printed, the break is said on
stderr and the exit is 1; nothing after it is printed. Every kind of entry the ledger holds is
printed, with the fields it has (the README lists them).

  -f, --follow              keep running: print each entry as it is appended (looked for every
                            250 ms; a line still being written waits; nothing is printed twice).
                            A ledger that does not exist yet is waited for. SIGINT or SIGTERM
                            ends it with exit 0.
  -n, --last N              only the last N entries of what is there at start (then, with
                            --follow, every new one)
  --since WHEN              only entries written at or after: an RFC 3339 time or a duration
                            back (30m, 12h, 7d, 2w)
  --output FORMAT           ndjson (default): each entry exactly as in the ledger (JSON string
                            escapes for control characters); table: a line per entry for people
  --ledger PATH             revocation ledger (default: the app's data directory)

Exit 0 when printed (or stopped by a signal), 1 when the chain is broken, 2 bad usage.`,
  'ledger init': `Usage: session-warden ledger init --connection NAME | --table T ... [--team-ledger NAME] [--output table|json]

Creates the team ledger table (default <table>-revocations) with on-demand billing and
point-in-time recovery; an existing table is left as it is. With --store redis nothing needs
creating (the stream appears with its first entry): the server's persistence is checked instead.
JSON: {kind, name, created, durability, detail?}. Exit 0 when the ledger is there and durable
(point-in-time recovery on; appendonly yes), 1 when it is there but not durable, 3 when the
store cannot be reached.

${TEAM}

${CONNECTION}`,
  'blacklist check': `Usage: session-warden blacklist check --connection NAME | --table T --blacklist-redis URL ... [--repair] [--output table|json]
       session-warden blacklist check --store postgres --postgres URL --blacklist-redis URL [--repair] [--output table|json]

Lists every revoked session the store still holds alive whose revoked:<id> is missing from the
blacklist Redis, or expires before the session does (a failover that lost keys, a key shortened
by hand). Keys are looked up in batches (one pipelined round trip of PTTL per 500 sessions).

  --repair                  rewrite each gap (the session's remaining life, at least an hour; a
                            short key is lengthened), recorded in the ledger as one run: an
                            attempt entry per session before any key is written and an outcome
                            entry after, "blacklist repair: ..." in their note
  --output FORMAT           table (default) or json: {checked, gaps: [{id, user, expiresAt,
                            problem: missing|short, ttlSeconds, neededSeconds}], repaired?: [{id,
                            blacklist: written|pending|failed, error?}]}

Exit 0 when the blacklist covers every revoked session still alive (after --repair: when every
gap was written), 1 when gaps remain, 2 bad usage, 3 the store cannot be reached.

${TEAM}

${CONNECTION}`,
  'canary run': `Usage: session-warden canary run [--probe-url URL] [--threshold-ms N] [--output table|json]

The enforcement self-test, for cron and monitoring. Writes a canary session into the store (user
session-warden-canary, marked in every field that allows it, alive ten minutes at most), revokes it
through the normal path (recorded in the ledger with reason "other" and the note "session-warden canary: enforcement self-test"),
measures how long until the store says revoked and the blacklist holds revoked:<id> (the
connection's blacklist Redis; for web sessions the same Redis), and removes it. Running it is the
operator's consent for this connection; a read-only connection is refused before anything is
written. Every run is appended to canary-history.jsonl beside the ledger.

  --probe-url URL           also present the canary to a protected service, before and after the
                            revocation: GET URL with "Authorization: Bearer <session id>" and the
                            cookie "session=<session id>". Proven when it was accepted before (not
                            401/403, no 5xx) and refused after (401 or 403).
  --threshold-ms N          a step slower than N ms is reported as slow (default 2000)
  --output FORMAT           table (default) or json: {at, connection, sessionId, steps: [{step:
                            plant|probe-before|revoke|store|blacklist|probe-after|remove, result:
                            ok|failed|skipped, ms, detail}], proven, slow: [step], thresholdMs}

Exit 0 when enforcement is proven, 1 when it is not (a step failed), 2 bad usage (nothing
written), 3 the store could not be reached, 5 proven but slower than the threshold.

${TEAM}

${CONNECTION}`,
  'blacklist pending': `Usage: session-warden blacklist pending [--ledger PATH] [--output table|json]

Lists the blacklist writes (revoked:<id>) that their Redis has not acknowledged yet, for every
blacklist Redis, from the outboxes beside the ledger (the app's data directory by default): which
Redis, which session, since when. JSON: {total, oldestQueuedAt, targets: [{target, file, pending,
oldestQueuedAt, writes: [{id, reason, queuedAt, sessionExpiresAt}]}]}. Exit 0 once listed.`,
  'iam deny': `Usage: session-warden iam deny [--role NAME] (--session ID... | --user USER) [options]

Revoking a Sentinel session stops its next credential fetch; AWS credentials it already fetched stay
valid up to 15 minutes. This puts an inline policy on the role that denies them (iam:PutRolePolicy),
named session-warden-deny-<incident or UTC time>, recorded in the ledger (an attempt and an outcome
entry per covered session, with the policy's name, form and sha256). Only revoked sessions are
covered: a live one is refused. A read-only connection may only --dry-run.

  --role NAME               the IAM role Sentinel vends credentials for; with --connection it may
                            be left out: the saved connection's profile → role mapping names it
                            (sessions of several roles are refused: one policy per role)
  --session ID              a revoked Sentinel session (repeatable)
  --user USER               the user's sessions revoked in the last 15 minutes
  --form FORM               precise (default): aws:PrincipalTag/SentinelSessionID in the ids;
                            source-identity: aws:SourceIdentity of those sessions;
                            whole-role: aws:TokenIssueTime before now, everyone's credentials for
                            the role (AWS's own "revoke active sessions")
                            When the ids do not fit IAM's 10,240 characters (shared by all the
                            role's inline policies) precise falls back to source identities, then
                            to sentinel:<user>:*, and says so on stderr. Denying by user also
                            denies their live sessions: that needs --force.
  --force                   accept the fallback to sentinel:<user>:* (a wider blast radius)
  --incident REF            names the policy (letters, digits and +=,.@_- are kept)
  --dry-run                 print the policy document and write nothing (IAM is not contacted)
  --iam-endpoint URL        another IAM endpoint (a local stub in tests)
  --output FORMAT           table (default) or json: {state, role, name, form, sha256, size,
                            covers, removableAfter, notes, document}
  --team-ledger NAME        also chain the ledger entries into this team ledger

Exit codes: 0 applied (or printed); 1 IAM refused (a missing permission is explained: "ask for
iam:PutRolePolicy on arn:..."); 2 bad usage, nothing written; 3 unreachable.

${CONNECTION}`,
  'iam list': `Usage: session-warden iam list --role NAME [--aws-profile NAME] [--iam-endpoint URL] [--output table|json]

The session-warden-deny-* inline policies still attached to the role (iam:ListRolePolicies,
iam:GetRolePolicy): the form, what each covers (session ids, source identities, or the cutoff),
and after when it may be removed.`,
  'iam remove': `Usage: session-warden iam remove --role NAME --policy NAME [--dry-run] [--force] [options]

Removes one of our deny policies (iam:DeleteRolePolicy). Refused (exit 2) before every credential it
covers has expired, unless --force. With a connection (--table or --connection) the removal is
recorded in that connection's ledger; a read-only connection refuses it.

  --policy NAME             a session-warden-deny-* policy (see iam list)
  --force                   remove it even though covered credentials may still be valid
  --dry-run                 print what would be removed and remove nothing
  --iam-endpoint URL        another IAM endpoint (a local stub in tests)
  --output FORMAT           table (default) or json

${CONNECTION}`,
  'people find': `Usage: session-warden people find PERSON [--connections a,b,c] [--output table|json]

Incident mode: searches the app's saved connections (connections.json in its data directory) for
one person, all at once, each with its own settings, and prints one group per connection: how the
person is named there (the connection's identity map: Sentinel by login, web sessions and
PostgreSQL by e-mail unless the connection says otherwise), live/revoked/expired counts, last
activity, residual exposure (live sessions, or credentials Sentinel issued before a revocation),
then the sessions. PERSON is an e-mail (alice@corp.example) or a login (alice).

  --connections LIST        saved connections by name or id, separated by commas (default: all)
  --output FORMAT           table (default) or json (the app's people:find answer)

Secrets come from the environment as for --connection (SESSION_WARDEN_REDIS_PASSWORD, PGPASSWORD,
SESSION_WARDEN_BLACKLIST_PASSWORD): the app's keyring is not opened here.
Exit codes: 0 searched everywhere; 1 a connection cannot name the person (its rule needs an e-mail,
or Sentinel asked for one); 3 a connection could not be reached (named on stderr; the others are
still printed); 2 bad usage.`,
  'people revoke': `Usage: session-warden people revoke PERSON --connections a,b,c --reason CODE [--note TEXT] [--ticket T]
                                   [--incident REF] [--dry-run] [--yes] [--output table|json]

Searches the named saved connections for PERSON (as people find does), then revokes every live
session found, per connection, through that connection's own revoker and ledger (read-only
connections refused for their group; one connection failing never stops the others). Run it again
to retry what failed: what is already revoked is no longer live.

  --connections LIST        saved connections by name or id, separated by commas (required)
  --reason CODE             reason code (--reason-code too); "other" needs --note
  --note TEXT, --ticket T   recorded with every revocation
  --incident REF            record the runs on this incident (incidents.json, as the app does)
  --dry-run                 print what would be revoked; nothing is written
  --yes                     confirm a production connection (environment prod…): without it a
                            revocation touching production is refused (exit 2), nothing written
  --output FORMAT           table (default) or json

Exit codes: 0 every live session revoked; 1 a connection's group was refused (read-only,
changed) or a session was not revoked; 2 bad usage, nothing written; 3 a connection could not be
reached (named on stderr; the others were revoked); 4 revoked, but a blacklist entry is pending or
failed.`,
};
