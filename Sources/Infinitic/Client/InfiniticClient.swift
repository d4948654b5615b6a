import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Starts workflows and methods, awaits their outcomes, cancels them and finds them by tag.
///
/// ```swift
/// let configuration = ClientConfiguration(transport: .redis(url: "redis://127.0.0.1:6379"))  // import InfiniticRedis
/// try await withInfiniticClient(configuration: configuration) { client in
///     let trip = client.workflow(BookTripStub.self, tags: ["customer:42"])
///     let result = try await trip.run(myTrip)                   // waits for the outcome
///     let handle = try await client.dispatch { try await trip.run(myTrip) }
///     print(handle.id, try await handle.result(timeout: .seconds(30)))
/// }
/// ```
///
/// A client has a unique name and receives the answers meant for it on the topic `client:<name>`, read while
/// its `run()` runs: inside `withInfiniticClient { }` (which runs it around the body and closes the client
/// afterwards), or as a service of a `ServiceGroup` (it then stops at the group's graceful shutdown: list it
/// before the services that use it, so that it shuts down after them). Calls made before `run()` starts wait for
/// their answers, which stay on the topic meanwhile. One client serves any number of concurrent calls.
public final class InfiniticClient: Service, Sendable {
    /// Unique among running clients.
    public let name: String
    public let configuration: ClientConfiguration
    public let transport: any Transport
    let router = ResponseRouter()
    let servedWorkflows = ServedWorkflows()
    private let logger: Logger
    private let closeTransport: @Sendable () -> Void
    private let lifecycle = Mutex<Lifecycle>(Lifecycle())
    /// Set by `close()`: `run()` stops reading.
    private let stopRequested = Settlement<Void>()
    /// Set when `run()` no longer reads the topic.
    private let stoppedReading = Settlement<Void>()
    /// Set once closed: topic deleted, transport closed.
    private let closed = Settlement<Void>()

    private struct Lifecycle {
        var started = false
        var closing = false
    }

    /// Connects with `configuration` (for Redis: reaches the server and checks it first). Answers are received
    /// once `run()` runs; `withInfiniticClient(configuration:) { client in ... }` does both.
    public convenience init(
        configuration: ClientConfiguration, logger: Logger = .disabled("infinitic.client")
    )
        async throws
    {
        let connected = try await configuration.transport.connect(logger: logger)
        try self.init(connected: connected, configuration: configuration, logger: logger)
    }

    /// A client of a transport you opened (and will close after the client).
    public convenience init(
        transport: any Transport, name: String? = nil,
        callTimeout: Duration? = ClientConfiguration.defaultCallTimeout,
        codec: any PayloadCodec = BinaryPayloadCodec(), interceptors: Interceptors = [],
        unservedWorkflows: UnservedWorkflowPolicy = .default, logger: Logger = .disabled("infinitic.client")
    ) throws {
        let configuration = ClientConfiguration(
            transport: .existing(transport), name: name, callTimeout: callTimeout, codec: codec,
            interceptors: interceptors, unservedWorkflows: unservedWorkflows)
        try self.init(
            connected: ConnectedTransport(transport: transport, close: {}), configuration: configuration,
            logger: logger)
    }

    private init(connected: ConnectedTransport, configuration: ClientConfiguration, logger: Logger) throws {
        let name = configuration.name ?? "client-\(UUID().uuidString.lowercased())"
        guard !name.isEmpty, !name.contains("|") else {
            connected.close()
            throw InfiniticError(.invalidConfiguration, "the client name '\(name)' must be non-empty without '|'")
        }
        self.name = name
        self.configuration = configuration
        self.transport = connected.transport
        self.closeTransport = connected.close
        var logger = logger
        logger[metadataKey: LogKeys.client] = "\(name)"
        self.logger = logger
    }

    deinit {
        if !lifecycle.withLock({ $0.closing }) {
            closeTransport()
            logger.debug("client released without close(): its responses topic stays until it expires")
        }
    }

    // MARK: - Running

    /// Receives the client's answers until `close()`, cancellation or a graceful shutdown, then closes the client
    /// (whoever still waits gets `InfiniticError.clientClosed`). Runs once; returns at once if the client is
    /// already closed. If reading fails, every waiter fails with `InfiniticError.responsesLost` and so does `run()`.
    public func run() async throws {
        let mayStart = lifecycle.withLock { state -> Bool? in
            if state.closing { return nil }
            if state.started { return false }
            state.started = true
            return true
        }
        guard let mayStart else { return }
        guard mayStart else { throw InfiniticError(.invalidUsage, "client \(name) is already running") }
        logger.debug("client receiving responses")
        var failure: InfiniticError?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.receiveResponses() }
                group.addTask { _ = await self.stopRequested.wait() }
                try await group.next()
                group.cancelAll()
            }
        } catch  where !(error is CancellationError) && !Task.isCancelled {
            logger.error("the client stopped receiving responses", metadata: [LogKeys.error: "\(error)"])
            failure = InfiniticError(.responsesLost, "client \(name) stopped receiving responses", underlying: error)
        } catch {
            // Cancelled: a normal stop.
        }
        stoppedReading.settle(())
        if let failure { router.close(with: failure) }
        await close()
        if let failure { throw failure }
    }

    /// Reads the client's topic until cancelled or a graceful shutdown.
    private func receiveResponses() async throws {
        let subscription = Subscription(
            topic: Topics.client(name), group: "client", consumer: name, concurrency: 16, batchSize: 100,
            maxDeliveries: 3)
        let (codec, router, logger) = (configuration.codec, router, logger)
        try await transport.consume(subscription) { message in
            let envelope: ClientEnvelope
            do {
                envelope = try codec.decode(ClientEnvelope.self, from: message.payload)
            } catch {
                logger.warning(
                    "undecodable response", metadata: [LogKeys.id: "\(message.id)", LogKeys.error: "\(error)"])
                return .deadLetter(reason: "undecodable client response: \(error)")
            }
            switch router.deliver(envelope) {
            case .routed:
                break
            case .redelivered:
                logger.trace("dropped a redelivered response", metadata: [LogKeys.messageId: "\(envelope.messageId)"])
            case .duplicateOutcome:
                logger.warning(
                    "dropped a duplicate outcome: this method's outcome was already received",
                    metadata: [LogKeys.messageId: "\(envelope.messageId)"])
            }
            return .ack
        }
    }

    // MARK: - Stubs

    /// A stub whose every call starts a new instance of the workflow, with `tags` and `meta`, and waits for
    /// the outcome of that method (inside `dispatch { }`, only starts it).
    public func workflow<Stub: WorkflowStub>(
        _ stub: Stub.Type = Stub.self, tags: Set<String> = [], meta: [String: String] = [:]
    ) -> Stub {
        makeStub(Stub.self, target: .newWorkflow(name: Stub.workflowName, tags: tags, meta: meta))
    }

    /// A stub of the running instance `id`: every call starts that method on it (sharing the instance's
    /// properties) and waits for its outcome; `WorkflowUnknownError` if the instance does not exist.
    public func workflow<Stub: WorkflowStub>(_ stub: Stub.Type = Stub.self, id: String) -> Stub {
        makeStub(Stub.self, target: .existingWorkflow(name: Stub.workflowName, id: id))
    }

    /// A stub of every running instance carrying `tag`: use it in `dispatchByTag { }` (a method on many
    /// instances has no single outcome to wait for) and with `cancel(_:tag:)`.
    public func workflow<Stub: WorkflowStub>(_ stub: Stub.Type = Stub.self, tag: String) -> Stub {
        makeStub(Stub.self, target: .taggedWorkflows(name: Stub.workflowName, tag: tag))
    }

    private func makeStub<Stub: WorkflowStub>(_ stub: Stub.Type, target: ClientTarget) -> Stub {
        let invocationTarget: InvocationTarget
        switch target {
        case .existingWorkflow(let name, let id): invocationTarget = .workflow(name: name, id: id)
        default: invocationTarget = .workflow(name: target.workflowName, id: "")
        }
        return Stub(
            invoker: StubInvoker(
                target: invocationTarget,
                handler: ClientStubHandler(client: self, target: target, methodTimeouts: Stub.methodTimeouts),
                codec: configuration.codec))
    }

    // MARK: - Dispatch

    /// Starts the one stub call made in `call` without waiting for it, and returns its handle:
    /// `let handle = try await client.dispatch { try await trip.run(x) }`.
    public func dispatch<Value: Decodable & Sendable>(
        _ call: () async throws -> Value
    ) async throws -> WorkflowHandle<Value> {
        let codec = configuration.codec
        let started = try await capture(mode: .single) { _ = try await call() }
        return WorkflowHandle(waiter: started.waiter, client: self) { try codec.value(Value.self, from: $0) }
    }

    /// Starts the one stub call, returning nothing, made in `call` without waiting for it.
    public func dispatch(_ call: () async throws -> Void) async throws -> WorkflowHandle<Void> {
        let started = try await capture(mode: .single) { try await call() }
        return WorkflowHandle(waiter: started.waiter, client: self) { _ in () }
    }

    /// Starts the one call made in `call` on a stub by tag: the method starts on every instance carrying the
    /// tag when the tag engine handles the request. `try await client.dispatchByTag { try await tagged.add(x) }`
    public func dispatchByTag<Value>(_ call: () async throws -> Value) async throws {
        let capture = ClientDispatchCapture(mode: .byTag)
        do {
            _ = try await ClientDispatchCapture.$current.withValue(capture) { try await call() }
        } catch is ClientDispatchSignal {
            return
        }
        throw InfiniticError(.invalidUsage, "a dispatchByTag closure must call one method of a stub by tag")
    }

    private func capture(
        mode: ClientDispatchCapture.Mode, _ call: () async throws -> Void
    ) async throws -> ClientDispatchCapture.Started {
        let capture = ClientDispatchCapture(mode: mode)
        do {
            try await ClientDispatchCapture.$current.withValue(capture) { try await call() }
        } catch is ClientDispatchSignal {
        }
        guard let started = capture.started else {
            throw InfiniticError(.invalidUsage, "a dispatch closure must call one method of a workflow stub")
        }
        return started
    }

    /// The handle of a method of an existing instance (by default the method that started it), to wait for
    /// its outcome. If the instance already ended, its state is gone: waiting throws `WorkflowUnknownError`.
    public func handle<Stub: WorkflowStub, Value: Decodable & Sendable>(
        _ stub: Stub.Type, id: String, methodId: String? = nil, resultType: Value.Type = Value.self
    ) -> WorkflowHandle<Value> {
        let codec = configuration.codec
        let waiter = MethodWaiter(
            client: self, workflowName: Stub.workflowName,
            key: ResponseRouter.MethodKey(workflowId: id, methodId: methodId ?? id), asked: false)
        return WorkflowHandle(waiter: waiter, client: self) { try codec.value(Value.self, from: $0) }
    }

    // MARK: - Cancel and lookups

    /// Cancels the instance `id`: its running methods end as canceled and its state is deleted.
    public func cancel<Stub: WorkflowStub>(_ stub: Stub.Type, id: String) async throws {
        try await cancel(workflowName: Stub.workflowName, id: id)
    }

    /// Cancels every instance carrying `tag`.
    public func cancel<Stub: WorkflowStub>(_ stub: Stub.Type, tag: String) async throws {
        try await cancel(ClientCancelInput(workflowName: Stub.workflowName, target: .tag(tag)))
    }

    /// Cancels the instance `id` of the workflow `workflowName`.
    public func cancel(workflowName: String, id: String) async throws {
        try await cancel(ClientCancelInput(workflowName: workflowName, target: .id(id)))
    }

    /// The ids of the running instances carrying `tag`, as the workflow tag engine knows them.
    public func workflowIds<Stub: WorkflowStub>(_ stub: Stub.Type, tag: String) async throws -> [String] {
        try await lookupIds(
            ClientLookupIdsInput(
                kind: .workflow, name: Stub.workflowName, tag: tag, timeout: configuration.queryTimeout))
    }

    /// The ids of the tasks of a service carrying `tag` that have not completed yet.
    public func taskIds<Stub: ServiceStub>(_ stub: Stub.Type, tag: String) async throws -> [String] {
        try await lookupIds(
            ClientLookupIdsInput(kind: .service, name: Stub.serviceName, tag: tag, timeout: configuration.queryTimeout))
    }

    // MARK: - Closing

    /// Stops receiving answers (whoever still waits gets `InfiniticError.clientClosed`), deletes the client's
    /// topic and closes the transport if the client opened it. Calling it again only waits until the client is
    /// closed.
    public func close() async {
        let (first, started) = lifecycle.withLock { state in
            defer { state.closing = true }
            return (!state.closing, state.started)
        }
        guard first else {
            _ = await closed.wait()
            return
        }
        router.close(with: InfiniticError(.clientClosed, "client \(name) is closed"))
        stopRequested.settle(())
        if started { _ = await stoppedReading.wait() }  // at once if it already stopped
        do {
            try await transport.deleteTopic(Topics.client(name))
        } catch {
            logger.warning("could not delete the client's topic", metadata: [LogKeys.error: "\(error)"])
        }
        closeTransport()
        logger.debug("client closed")
        closed.settle(())
    }

    /// Whether `close()` was called (or `run()` ended).
    /// How many duplicate outcomes this client received and dropped: a second outcome of a method (completed,
    /// failed or canceled) under another message id than the first (a redelivery of the same message is not
    /// counted). Each is also logged as a warning. Workflows and methods are answered once per waiting client, so
    /// anything but 0 means a method ran to an outcome twice.
    public var duplicateOutcomes: Int { router.duplicateOutcomes }

    public var isClosed: Bool { lifecycle.withLock { $0.closing } }

    // MARK: - Sending

    func send(_ message: WorkflowEngineMessage, headers: [String: String] = [:]) async throws {
        try await checkServed(message.workflowName)
        try await publish(.workflowEngine(envelope(message, headers: headers)))
    }

    func send(_ message: WorkflowTagMessage, headers: [String: String] = [:]) async throws {
        try await checkServed(message.workflowName)
        try await publish(.workflowTag(envelope(message, headers: headers)))
    }

    /// Refuses (or warns about) work for a workflow no worker ever served (`ClientConfiguration.unservedWorkflows`).
    private func checkServed(_ workflowName: String) async throws {
        try await servedWorkflows.check(
            workflowName, transport: transport, policy: configuration.unservedWorkflows, logger: logger)
    }

    func send(_ message: ServiceTagMessage, headers: [String: String] = [:]) async throws {
        try await publish(.serviceTag(envelope(message, headers: headers)))
    }

    private func envelope<Message>(_ message: Message, headers: [String: String]) -> Envelope<Message> {
        Envelope(
            messageId: UUID().uuidString.lowercased(), emitterName: name, emittedAt: Date(),
            requester: .client(name: name), message: message, headers: headers)
    }

    private func publish(_ outbound: Outbound) async throws {
        if isClosed { throw InfiniticError(.clientClosed, "client \(name) is closed") }
        try await transport.publish(outbound.outgoingMessage(codec: configuration.codec))
    }
}
