// The Infinitic module: the user API, the engines, the worker and the client, on the `Transport` contract only.
//
// Pure parts (no I/O):
//
// - API/        what users write: service and workflow stubs and definitions (method tables called by name),
//               `TaskContext`, `RetryPolicy`, `WorkflowContext`, `Deferred`, `@WorkflowProperty`.
// - Errors/     typed, Codable errors: task failed, workflow failed (nested causes), canceled, unknown,
//               workflow changed (determinism), workflow task failed.
// - History/    what replay and the state engine share: commands, steps, their outcomes "as of" a workflow task.
// - Replay/     `WorkflowExecution` (positions, determinism check, sealing, escapes, random numbers), `Replayer` and
//               the `ReplayExecutor` it drives (workflow code leaving the replay is caught at once).
// - Messages/   one Codable `Envelope` per topic kind and the messages they carry.
// - Routing/    `Topics` (every topic and state key name) and `Outbound` (message + destination).
// - Engines/    the roles as pure logic: workflow state engine, workflow and service executors, tag engines,
//               each with a `disposition(for:...)` giving the transport's `Disposition` for a received message.
// - Codec/, Ids/  the swappable payload codec (`BinaryPayloadCodec` by default, `JSONPayloadCodec` readable) and
//               stable SHA-256-based ids (swift-crypto) and the seeds of `context.random`.
//
// The runtime, on a `Transport` opened by a `TransportFactory` (I/O happens here and only here; this module knows no
// broker: `.inMemory`/`.existing` come from InfiniticTransport, `.redis(url:)` from InfiniticRedis):
//
// - Runtime/    each role as a `ServiceLifecycle.Service` running `transport.consume` with its engine's disposition:
//               `ServiceExecutorRole` (bounded concurrency, execution timeouts), `WorkflowExecutorRole`,
//               `WorkflowStateEngineRole` (read state + version, atomic commit), `WorkflowTagEngineRole`,
//               `ServiceTagEngineRole`; `RoleEnvironment` and `ConsumerSettings` they share.
// - Worker/     `InfiniticWorker` (a `Service`) running the roles a `WorkerConfiguration` selects.
// - Client/     `InfiniticClient` (a `Service`, or scoped by `withInfiniticClient { }`): stubs for new, existing and
//               tagged instances, `dispatch` handles, cancel, lookups.
// - Interceptors/ `InfiniticInterceptor` (client operations, workflow commands, role steps, task executions,
//               workflow task replays: an input struct and a `next` each) and the `Interceptors` chain.
// - Logging/    the no-op logger Infinitic's types default to (`LogKeys`, in InfiniticTransport, names the metadata).
@_exported import InfiniticTransport
