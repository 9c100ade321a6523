import { parseArgs } from 'node:util';
import { createContext, type CliContext } from './cli-context';
import { CliError } from './cli-error';
import { decideApproval, delegateApprovals, listApprovals, showApproval } from './commands/approvals';
import { billingStatus, recheckBillingProject, runBillingCycle } from './commands/billing';
import { putEvents } from './commands/bus-events';
import { changeGrant, listUsers } from './commands/directory-users';
import {
  abortException,
  bulkRetryExceptions,
  jsonOption,
  listExceptions,
  retryException,
  showException,
  skipException,
  type ExceptionFilterOptions,
} from './commands/exceptions';
import {
  listSandboxRecords,
  loadSandboxFile,
  sandboxFaults,
  seedSandboxData,
  showSandboxRecord,
} from './commands/sandbox';
import { listUnknownEvents } from './commands/ingestion-stats';
import { showKpis } from './commands/kpis';
import { listRejected, replayRejected, resolveRejected, showRejected } from './commands/rejected-events';
import { findExecutions } from './commands/workflow-executions';
import { listPurchases, receivePurchase, requestPurchase, showPurchase } from './commands/purchases';
import { listChanges, showChange } from './commands/changes';
import { setSecret } from './commands/secrets';
import {
  listStaffingRequests,
  requestStaffing,
  showStaffingCandidates,
  showStaffingRequest,
} from './commands/staffing';
import { listIntegrations, printDependencyMap } from './commands/integrations';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HELP = `psflow: operate a psflow stage from the command line.

Usage: npx psflow <command> [options]

Commands:
  rejected list [--status open|replayed|resolved] [--limit N]
                                events ingestion could not accept, oldest first
  rejected show <ID>            reason, offending JSON paths and the raw event
  rejected replay <ID> [--note TEXT]
                                put the raw event on the bus again, after fixing the cause
                                (for example the CRM record it needed)
  rejected resolve <ID> --note TEXT
                                close an item that needs nothing more
  executions find (--opportunity ID | --client ID | --project ID) [--system salesforce]
                  [--workflow project-activation]
                                workflow executions recorded under a business key
  ingestion unknown             sources and detail-types no adapter or contract knows, counted
  events put FILE...            put EventBridge events (envelopes such as samples/*.json)
                                on the stage's bus
  sandbox list SYSTEM TYPE      records of a sandbox system (erp project|budget|billing, psa project|resource,
                                documents document|task-list)
  sandbox show KEY              one sandbox record
  sandbox faults SYSTEM [--set JSON|@file] [--clear]
                                fault injection per operation, e.g. --set '{"*":{"throttleRate":0.3}}'
                                (latencyMs, throttleRate, unavailableRate, timeoutRate, rejectRate)
  sandbox load FILE             stage CRM records ({"accounts":[],"opportunities":[],"statementsOfWork":[]})
  sandbox seed                  write the demo data where it is missing
  billing run --region R --period P [--run-id ID] [--cut-off ISO]
                                start a region's billing cycle on demand (reruns draft nothing twice)
  billing status --region R --period P [--project ID]
                                each project ready, blocked, drafted or carried, with every finding's owner and due time
  billing recheck --project ID --period P [--note WHY]
                                check a project again after a fix
  users list                    the directory: who holds which role
  users grant USER --role ROLE [--practices A,B] [--regions EMEA,AMER] [--note TEXT]
  users revoke USER --role ROLE [--practices A,B] [--regions EMEA,AMER] [--note TEXT]
                                change a grant (admins only, never their own); audited
  approvals list [--role ROLE]  open approvals for your roles, soonest due first
  approvals show <TASK>         the task, why it exists, its audit trail
  approvals approve <TASK> [--comment TEXT]
  approvals reject <TASK> --comment TEXT
  approvals delegate --to USER --role ROLE --until TIME [--from TIME]
  staffing requests [--status open|all|S]  staffing requests, newest first (S: held, unfilled, on-hold, assigned, ...)
  staffing show <REQUEST>       where a request stands: problems, proposal, exclusions, outcome
  staffing candidates <REQUEST> the ranked candidates, one sentence per factor, and who was excluded why
  staffing request <FILE>       an ad-hoc request ({ "projectId", "roleLine" }) as Resource Requested
  exceptions list [--status S] [--owner ROLE] [--workflow W] [--client ID] [--project ID]
  exceptions show <EXCEPTION>
  exceptions retry <EXCEPTION> [--patch JSON|@file] [--note TEXT]
                                re-run the step, its input corrected by a JSON Patch
  exceptions skip <EXCEPTION> --output JSON|@file --note TEXT --reference REF
                                continue with a supplied output, with evidence
  exceptions abort <EXCEPTION> --note TEXT
                                fail the execution; its compensation runs
  exceptions bulk-retry [filters as list] [--patch JSON] [--wait SECONDS]
                                retry all that match and report each real outcome
  kpis [--workflow W] [--region R] [--practice P] [--from YYYY-MM-DD --to YYYY-MM-DD]
                                cycle time, approval SLA, exceptions, staffing, billing, utilisation
                                and margin over a range (default: the last 30 days)
  purchases request --vendor V --amount 12000.50 --currency EUR --region EMEA --description TEXT
                    [--receiver USER] [--project ID] [--quotes JSON] [--request-id ID]
                                ask for a purchase (you are the requester; the receiver may be
                                neither you nor an approver)
  purchases list --project ID   purchases of a project
  purchases show <REQUEST>      status, hold reasons, approvers, ERP order, receipt
  purchases receive <REQUEST>   record receipt of the goods or services
  changes list --project ID     a project's changes: status, budget delta, baseline version made
  changes show <CHANGE>         the deltas and why the approval level, approvals, what was applied
                                where (ERP budget version, PSA plan, billing, bookings, staffing)
  integrations [--json]         every external API: owner, version, which connector this stage uses,
                                breaker state, calls, error rate and latency over 15 minutes
  integrations map [--json]     which workflow step calls which port, connector and API, and which
                                events link the workflows (text and Mermaid), from cdk.out
  secrets set NAME (--from-file FILE | --value-stdin)
                                store an API's credentials in Secrets Manager as psflow/<stage>/NAME
                                (NAME as the API catalogue's secretName, e.g. salesforce); never printed

Options:
  --endpoint URL   local cloud URL (default: $PSFLOW_ENDPOINT or http://127.0.0.1:$PSFLOW_PORT,
                   port 4566); "aws" uses the AWS account and region of your default SDK
                   configuration and reads the stage's API URL, bus and tables from the outputs
                   of its stack, psflow-<stage>; the API then needs $PSFLOW_TOKEN (docs/deploy.md)
  --stage NAME     stage whose tables and bus to use (default: dev)
  --as USER        who acts, recorded with every action (default: $PSFLOW_USER or $USER);
                   locally the API trusts it, see npx psflow users list
  --json           machine-readable output
  -h, --help       show this help`;

async function run(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      endpoint: { type: 'string' },
      stage: { type: 'string', default: 'dev' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      status: { type: 'string', default: 'open' },
      limit: { type: 'string', default: '100' },
      note: { type: 'string' },
      opportunity: { type: 'string' },
      client: { type: 'string' },
      project: { type: 'string' },
      system: { type: 'string', default: 'salesforce' },
      workflow: { type: 'string' },
      role: { type: 'string' },
      comment: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
      owner: { type: 'string' },
      patch: { type: 'string' },
      output: { type: 'string' },
      reference: { type: 'string' },
      wait: { type: 'string', default: '60' },
      set: { type: 'string' },
      clear: { type: 'boolean', default: false },
      practices: { type: 'string' },
      regions: { type: 'string' },
      region: { type: 'string' },
      practice: { type: 'string' },
      period: { type: 'string' },
      'run-id': { type: 'string' },
      'cut-off': { type: 'string' },
      vendor: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      description: { type: 'string' },
      receiver: { type: 'string' },
      quotes: { type: 'string' },
      'request-id': { type: 'string' },
      'from-file': { type: 'string' },
      'value-stdin': { type: 'boolean', default: false },
    },
  });
  const [group, command, id, ...extra] = positionals;
  // `users` alone still lists, as it did before it had sub-commands.
  const commandName = group === 'users' && command === undefined ? 'users list' : `${group} ${command ?? ''}`.trim();
  if (values.help || group === undefined || group === 'help') {
    console.log(HELP);
    return;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new CliError(`--limit must be a whole number from 1 to 1000, not ${values.limit}`);
  const takesTwoArguments = group === 'sandbox' && command === 'list';
  const allowedExtra = takesTwoArguments ? 1 : 0;
  if (extra.length > allowedExtra && !(group === 'events' && command === 'put'))
    throw new CliError(`unexpected argument ${JSON.stringify(extra[allowedExtra])}; see npx psflow --help`);
  const context = await createContext({
    endpoint: values.endpoint ?? process.env.PSFLOW_ENDPOINT ?? `http://127.0.0.1:${process.env.PSFLOW_PORT ?? '4566'}`,
    stage: values.stage as string,
    json: values.json as boolean,
    as: values.as ?? process.env.PSFLOW_USER ?? process.env.USER ?? 'unknown',
  });
  try {
    await dispatch(context, commandName);
  } catch (error) {
    throw explain(error, context);
  } finally {
    context.close();
  }

  function exceptionFilter(): ExceptionFilterOptions {
    // `--status` defaults to open for rejected events; exceptions share the flag and the default.
    return {
      status: values.status,
      owner: values.owner,
      workflow: values.workflow,
      client: values.client,
      project: values.project,
    };
  }

  function waitSeconds(): number {
    const seconds = Number(values.wait);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
      throw new CliError(`--wait must be 0 to 3600 seconds, not ${values.wait}`);
    return seconds;
  }

  async function dispatch(ctx: CliContext, name: string): Promise<void> {
    switch (name) {
      case 'rejected list':
        return listRejected(ctx, values.status as string, limit);
      case 'rejected show':
        return showRejected(ctx, id);
      case 'rejected replay':
        return replayRejected(ctx, id, values.note);
      case 'rejected resolve':
        return resolveRejected(ctx, id, values.note);
      case 'executions find':
        return findExecutions(ctx, {
          opportunity: values.opportunity,
          client: values.client,
          project: values.project,
          system: values.system as string,
          workflow: values.workflow,
        });
      case 'ingestion unknown':
        return listUnknownEvents(ctx);
      case 'kpis':
        return showKpis(ctx, {
          workflow: values.workflow,
          region: values.region,
          practice: values.practice,
          from: values.from,
          to: values.to,
        });
      case 'events put':
        return putEvents(ctx, positionals.slice(2));
      case 'users list':
        return listUsers(ctx);
      case 'users grant':
      case 'users revoke':
        return changeGrant(ctx, name === 'users grant' ? 'grant' : 'revoke', id, {
          role: values.role,
          practices: values.practices,
          regions: values.regions,
          note: values.note,
        });
      case 'sandbox list':
        return listSandboxRecords(ctx, id, extra[0]);
      case 'sandbox show':
        return showSandboxRecord(ctx, id);
      case 'sandbox faults':
        return sandboxFaults(ctx, id, jsonOption(values.set, 'set'), values.clear as boolean);
      case 'sandbox load':
        return loadSandboxFile(ctx, id);
      case 'sandbox seed':
        return seedSandboxData(ctx);
      case 'billing run':
      case 'billing status':
      case 'billing recheck': {
        const billing = {
          region: values.region,
          period: values.period,
          project: values.project,
          runId: values['run-id'],
          cutOff: values['cut-off'],
          note: values.note,
        };
        if (name === 'billing run') return runBillingCycle(ctx, billing);
        if (name === 'billing status') return billingStatus(ctx, billing);
        return recheckBillingProject(ctx, billing);
      }
      case 'staffing requests':
        return listStaffingRequests(ctx, values.status, limit);
      case 'staffing show':
        return showStaffingRequest(ctx, id);
      case 'staffing candidates':
        return showStaffingCandidates(ctx, id);
      case 'staffing request':
        return requestStaffing(ctx, id);
      case 'approvals list':
        return listApprovals(ctx, values.role);
      case 'approvals show':
        return showApproval(ctx, id);
      case 'approvals approve':
        return decideApproval(ctx, id, 'approve', values.comment);
      case 'approvals reject':
        return decideApproval(ctx, id, 'reject', values.comment);
      case 'approvals delegate':
        return delegateApprovals(ctx, values.to, values.role, values.from, values.until);
      case 'exceptions list':
        return listExceptions(ctx, exceptionFilter());
      case 'exceptions show':
        return showException(ctx, id);
      case 'exceptions retry':
        return retryException(ctx, id, values.patch, values.note);
      case 'exceptions skip':
        return skipException(ctx, id, values.output, values.note, values.reference);
      case 'exceptions abort':
        return abortException(ctx, id, values.note);
      case 'exceptions bulk-retry':
        return bulkRetryExceptions(ctx, exceptionFilter(), values.patch, values.note, waitSeconds());
      case 'purchases request':
        return requestPurchase(ctx, {
          requestId: values['request-id'],
          vendor: values.vendor,
          amount: values.amount,
          currency: values.currency,
          region: values.region,
          description: values.description,
          receiver: values.receiver,
          project: values.project,
          quotes: jsonOption(values.quotes, 'quotes'),
        });
      case 'purchases list':
        return listPurchases(ctx, values.project, limit);
      case 'purchases show':
        return showPurchase(ctx, id);
      case 'purchases receive':
        return receivePurchase(ctx, id);
      case 'changes list':
        return listChanges(ctx, values.project);
      case 'changes show':
        return showChange(ctx, id);
      case 'integrations':
        return listIntegrations(ctx);
      case 'integrations map':
        return printDependencyMap(ctx);
      case 'secrets set':
        return setSecret(ctx, id, { fromFile: values['from-file'], valueStdin: values['value-stdin'] as boolean });
      default:
        throw new CliError(`unknown command "${name}"; see npx psflow --help`);
    }
  }
}

/** Turns the failures a user can act on into one-line explanations. */
function explain(error: unknown, context: CliContext): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(error.message)) {
    return new CliError(
      `cannot reach ${context.options.endpoint}: is the local cloud running (npm start)? Or pass --endpoint`,
    );
  }
  if (error.name === 'ResourceNotFoundException') {
    return new CliError(
      `${error.message}: is stage "${context.options.stage}" deployed or served at ${context.options.endpoint}? Pass --stage`,
    );
  }
  if (error.name === 'ConditionalCheckFailedException')
    return new CliError('the item changed or disappeared meanwhile; show it again');
  return error;
}

run(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`psflow: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof CliError) && error instanceof Error && process.env.PSFLOW_DEBUG) console.error(error.stack);
  process.exitCode = 1;
});
