import Infinitic
import Tracing

/// Traces workflows through swift-distributed-tracing, at the interceptor seam (`ClientConfiguration.interceptors`
/// and `WorkerConfiguration.interceptors`), so the engines know nothing of tracing. The trace context travels in
/// the envelope headers (injected and extracted by the tracer: `traceparent` for a W3C tracer such as swift-otel's),
/// so one trace shows a whole workflow:
///
/// - on a client, a span per operation, whose context goes into the headers of its message:
///   `dispatch <Workflow>.<method>` (kind producer) for a new instance or a method of an instance,
///   `cancel <Workflow>` (producer), and `await <Workflow>` (client) for the time a client waited for an outcome,
///   a child of the dispatch span whose context comes back with the outcome;
/// - on a worker, a span per step of a role, `<role> <name>` (kind consumer, e.g. `workflow-executor Trip`), whose
///   parent is the context in the headers of the batch's first message (the others' are linked); attributes
///   `infinitic.role`, `infinitic.topic`, `infinitic.name`, `infinitic.batch.size`, `infinitic.key` on keyed
///   topics (the workflow id for a state engine), `infinitic.outcome` (`ack`, `retry`, `dead_letter`);
/// - inside it, a span per workflow task replay, `workflow task <Workflow>.<method>` (attributes
///   `infinitic.workflow.name`, `.id`, `.method`, `.method_id`, `infinitic.workflow_task.id`), whose context goes
///   into the headers of the commands it dispatches (so a task's step is its child), and a span per service task
///   execution, `task <Service>.<method>` (attributes `infinitic.service.name`, `infinitic.task.method`,
///   `infinitic.task.id`, `infinitic.task.retry_index`), whose context is in `TaskContext.headers`. A failed task
///   records its error and the status error.
///
/// A message without a trace context in its headers (a client without this interceptor) starts a new trace.
public struct TracingInterceptor: InfiniticInterceptor {
    private let tracer: any Tracer

    /// Traces through `tracer`, or the tracer bootstrapped in `InstrumentationSystem` (at this call) when nil.
    public init(tracer: (any Tracer)? = nil) {
        self.tracer = tracer ?? InstrumentationSystem.tracer
    }

    // MARK: client

    public func clientDispatchWorkflow(
        _ input: ClientDispatchWorkflowInput, next: (ClientDispatchWorkflowInput) async throws -> Void
    ) async throws {
        let span = tracer.startSpan("dispatch \(input.workflowName).\(input.methodName)", ofKind: .producer)
        span.attributes[Keys.workflowName] = input.workflowName
        span.attributes[Keys.workflowId] = input.workflowId
        span.attributes[Keys.workflowMethod] = input.methodName
        var input = input
        inject(span.context, into: &input.headers)
        try await run(span) { try await next(input) }
    }

    public func clientDispatchMethod(
        _ input: ClientDispatchMethodInput, next: (ClientDispatchMethodInput) async throws -> Void
    ) async throws {
        let span = tracer.startSpan("dispatch \(input.workflowName).\(input.methodName)", ofKind: .producer)
        span.attributes[Keys.workflowName] = input.workflowName
        span.attributes[Keys.workflowMethod] = input.methodName
        switch input.target {
        case .instance(let workflowId, let methodId):
            span.attributes[Keys.workflowId] = workflowId
            span.attributes[Keys.workflowMethodId] = methodId
        case .tag(let tag):
            span.attributes[Keys.workflowTag] = tag
        }
        var input = input
        inject(span.context, into: &input.headers)
        try await run(span) { try await next(input) }
    }

    /// The span of a wait starts with it but is made when it ends, as a child of the dispatch whose context comes
    /// back with the outcome (a child of the current context when the wait fails).
    public func clientAwaitResult(
        _ input: ClientAwaitResultInput, next: (ClientAwaitResultInput) async throws -> ClientMethodResult
    ) async throws -> ClientMethodResult {
        let start = DefaultTracerClock.now
        let result: ClientMethodResult
        do {
            result = try await next(input)
        } catch {
            let span = awaitSpan(input, context: ServiceContext.current ?? .topLevel, start: start)
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
        let context = result.headers.isEmpty ? (ServiceContext.current ?? .topLevel) : extract(result.headers)
        awaitSpan(input, context: context, start: start).end()
        return result
    }

    private func awaitSpan(
        _ input: ClientAwaitResultInput, context: ServiceContext, start: DefaultTracerClock.Instant
    ) -> any Span {
        let span = tracer.startSpan("await \(input.workflowName)", context: context, ofKind: .client, at: start)
        span.attributes[Keys.workflowName] = input.workflowName
        span.attributes[Keys.workflowId] = input.workflowId
        span.attributes[Keys.workflowMethodId] = input.methodId
        return span
    }

    public func clientCancel(_ input: ClientCancelInput, next: (ClientCancelInput) async throws -> Void) async throws {
        let span = tracer.startSpan("cancel \(input.workflowName)", ofKind: .producer)
        span.attributes[Keys.workflowName] = input.workflowName
        switch input.target {
        case .id(let workflowId): span.attributes[Keys.workflowId] = workflowId
        case .tag(let tag): span.attributes[Keys.workflowTag] = tag
        }
        var input = input
        inject(span.context, into: &input.headers)
        try await run(span) { try await next(input) }
    }

    // MARK: worker

    public func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        let first = input.headers.first ?? [:]
        let span = tracer.startSpan("\(input.group) \(input.name)", context: extract(first), ofKind: .consumer)
        span.attributes[Keys.role] = input.group
        span.attributes[Keys.topic] = input.messages.first?.topic.name ?? input.name
        span.attributes[Keys.name] = input.name
        span.attributes[Keys.batchSize] = input.messages.count
        if let key = input.messages.first?.key { span.attributes[Keys.key] = key }
        // The other messages of a batch may belong to other traces: linked, not parents.
        if input.headers.count > 1 {
            var linked: Set<[String: String]> = [first]
            for headers in input.headers.dropFirst() where !headers.isEmpty && linked.insert(headers).inserted {
                span.addLink(SpanLink(context: extract(headers), attributes: [:]))
            }
        }
        return try await run(span) {
            let decision = try await StepHeaders.$current.withValue(first) { try await next() }
            switch decision.disposition {
            case .ack: span.attributes[Keys.outcome] = "ack"
            case .retry: span.attributes[Keys.outcome] = "retry"
            case .deadLetter: span.attributes[Keys.outcome] = "dead_letter"
            }
            return decision
        }
    }

    public func executeTask(
        _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        let task = input.task
        let span = tracer.startSpan(
            "task \(task.serviceName).\(task.methodName)", context: parent(of: input.headers), ofKind: .internal)
        span.attributes[Keys.serviceName] = task.serviceName
        span.attributes[Keys.taskMethod] = task.methodName
        span.attributes[Keys.taskId] = task.taskId
        span.attributes[Keys.taskRetryIndex] = task.retryIndex
        var input = input
        inject(span.context, into: &input.headers)
        let result = await ServiceContext.$current.withValue(span.context) { await next(input) }
        if case .failure(let error) = result {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
        return result
    }

    public func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        let task = input.task
        let span = tracer.startSpan(
            "workflow task \(task.workflowName).\(task.method.methodName)", context: parent(of: input.headers),
            ofKind: .internal)
        span.attributes[Keys.workflowName] = task.workflowName
        span.attributes[Keys.workflowId] = task.workflowId
        span.attributes[Keys.workflowMethod] = task.method.methodName
        span.attributes[Keys.workflowMethodId] = task.method.methodId
        span.attributes[Keys.workflowTaskId] = task.workflowTaskId
        // The commands of the replay are dispatched with these headers: their steps are children of this span.
        var input = input
        inject(span.context, into: &input.headers)
        let output = await ServiceContext.$current.withValue(span.context) { await next(input) }
        span.end()
        return output
    }

    // MARK: helpers

    /// The parent of a task or a replay with `headers`: the step's span when they are the headers it was started
    /// from, else the context they carry (another message of the batch).
    private func parent(of headers: [String: String]) -> ServiceContext {
        if headers == StepHeaders.current, let current = ServiceContext.current { return current }
        return extract(headers)
    }

    private func extract(_ headers: [String: String]) -> ServiceContext {
        var context = ServiceContext.topLevel
        if !headers.isEmpty { tracer.extract(headers, into: &context, using: HeadersExtractor()) }
        return context
    }

    private func inject(_ context: ServiceContext, into headers: inout [String: String]) {
        tracer.inject(context, into: &headers, using: HeadersInjector())
    }

    /// Runs `body` with `span` as the current context, records its error if it throws, and ends it.
    private func run<Value>(_ span: any Span, _ body: () async throws -> Value) async throws -> Value {
        defer { span.end() }
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body() }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}

/// The headers of the message whose context the current step span was started from.
private enum StepHeaders {
    @TaskLocal static var current: [String: String]?
}

/// Writes a tracer's context into envelope headers.
public struct HeadersInjector: Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads a tracer's context from envelope headers.
public struct HeadersExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}

/// The span attribute names of `TracingInterceptor`.
public enum TracingAttributes {
    public static let role = "infinitic.role"
    public static let topic = "infinitic.topic"
    public static let name = "infinitic.name"
    public static let key = "infinitic.key"
    public static let batchSize = "infinitic.batch.size"
    public static let outcome = "infinitic.outcome"
    public static let workflowName = "infinitic.workflow.name"
    public static let workflowId = "infinitic.workflow.id"
    public static let workflowTag = "infinitic.workflow.tag"
    public static let workflowMethod = "infinitic.workflow.method"
    public static let workflowMethodId = "infinitic.workflow.method_id"
    public static let workflowTaskId = "infinitic.workflow_task.id"
    public static let serviceName = "infinitic.service.name"
    public static let taskMethod = "infinitic.task.method"
    public static let taskId = "infinitic.task.id"
    public static let taskRetryIndex = "infinitic.task.retry_index"
}

private typealias Keys = TracingAttributes
