import Synchronization

/// Waits for the outcome of one method on behalf of the handles that refer to it. Its slot is registered
/// with the client's router, when the method is dispatched (or, for a handle made from an id, on the first
/// wait, which asks the state engine for the outcome). When the last handle goes, it stops listening.
final class MethodWaiter: Sendable {
    let key: ResponseRouter.MethodKey
    let workflowName: String
    private let client: InfiniticClient
    private let slot = Settlement<ResponseRouter.MethodOutcome>()
    /// Whether the engine already knows to answer (the method was dispatched with a waiting client, or
    /// `WaitMethod` was sent).
    private let asked: Mutex<Bool>

    /// A waiter for a method this client dispatched with `clientWaiting` (already registered by `register`).
    init(client: InfiniticClient, workflowName: String, key: ResponseRouter.MethodKey, asked: Bool) {
        self.client = client
        self.workflowName = workflowName
        self.key = key
        self.asked = Mutex(asked)
    }

    deinit {
        client.router.remove(slot, for: key)
    }

    /// Registers the slot before the method is dispatched, so that no answer is missed.
    func register() throws {
        try client.router.register(slot, for: key)
    }

    /// The method's encoded value, or its typed error (`WorkflowFailedError`, `WorkflowCanceledError`,
    /// `WorkflowUnknownError`), waiting at most `timeout`, through the client's interceptors.
    func outcome(timeout: Duration?) async throws -> Payload {
        let interceptors = client.interceptors
        guard !interceptors.isEmpty else { return try await result(timeout: timeout, headers: [:]).value }
        let input = ClientAwaitResultInput(
            workflowName: workflowName, workflowId: key.workflowId, methodId: key.methodId, timeout: timeout)
        return try await interceptors.clientAwaitResult(input) { input in
            try await result(timeout: input.timeout, headers: input.headers)
        }.value
    }

    /// The method's value and the headers of the response, asking for it with `headers` if needed.
    private func result(timeout: Duration?, headers: [String: String]) async throws -> ClientMethodResult {
        try await askIfNeeded(headers: headers)
        let outcome = try await slot.value(
            timeout: timeout, waitingFor: "the outcome of \(workflowName) \(key.workflowId) method \(key.methodId)")
        return try outcome.get()
    }

    /// Sends `WaitMethod` once, for a handle made from an id.
    private func askIfNeeded(headers: [String: String]) async throws {
        let mustAsk = asked.withLock { asked in
            defer { asked = true }
            return !asked
        }
        guard mustAsk else { return }
        do {
            try register()
            client.router.expectOutcome(of: key)
            let wait = WaitMethod(workflowName: workflowName, workflowId: key.workflowId, methodId: key.methodId)
            try await client.send(.waitMethod(wait), headers: headers)
        } catch {
            client.router.remove(slot, for: key)
            asked.withLock { $0 = false }
            throw error
        }
    }
}
