// InfiniticTesting: what a user's tests need to run workflows without a redis-server (nor hiredis).
//
// - `withTestWorker(services:workflows:) { client in }`: a worker and a client on an `InMemoryTransport`.
// - `InMemoryTransport` and `ManualTransportClock` (from InfiniticTransport, re-exported with Infinitic): one
//   process's broker, and a clock that moves only when told to (scheduled deliveries and retries).
// - `WorkflowHistory`: the recorded history of an instance, read from a transport's state store or a JSON file.
// - `WorkflowReplayer`: replays a workflow implementation against a recorded history and throws a
//   `WorkflowChangedError` naming both commands when the code no longer matches it.
@_exported import Infinitic
