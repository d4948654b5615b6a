import Foundation
import Synchronization
import Tracing

/// An in-memory tracer for tests: propagates its context as a W3C `traceparent` header
/// (`00-<trace id>-<span id>-01`) and records every ended span with its trace, span and parent ids.
final class RecordingTracer: Tracer {
    /// A span as it ended.
    struct Recorded: Sendable, CustomStringConvertible {
        let traceId: String
        let spanId: String
        let parentId: String?
        let name: String
        let kind: SpanKind
        /// Each attribute in its text form.
        let attributes: [String: String]
        /// The span ids of its links.
        let links: [String]
        let failed: Bool

        var description: String { "\(name) [\(spanId) <- \(parentId ?? "root")] \(attributes)" }
    }

    /// Where a span stands in its trace: what the context carries.
    struct Ids: Sendable {
        let traceId: String
        let spanId: String
    }

    private enum IdsKey: ServiceContextKey {
        typealias Value = Ids
    }

    static let header = "traceparent"

    private let ended = Mutex<[Recorded]>([])

    /// The spans ended so far, in the order they ended.
    var spans: [Recorded] { ended.withLock { $0 } }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> RecordingSpan {
        let parent = context()[IdsKey.self]
        let ids = Ids(traceId: parent?.traceId ?? Self.randomHex(bytes: 16), spanId: Self.randomHex(bytes: 8))
        var spanContext = context()
        spanContext[IdsKey.self] = ids
        return RecordingSpan(
            name: operationName, kind: kind, context: spanContext, ids: ids, parentId: parent?.spanId
        ) { [weak self] span in
            self?.ended.withLock { $0.append(span) }
        }
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let ids = context[IdsKey.self] else { return }
        injector.inject("00-\(ids.traceId)-\(ids.spanId)-01", forKey: Self.header, into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let value = extractor.extract(key: Self.header, from: carrier) else { return }
        let parts = value.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return }
        context[IdsKey.self] = Ids(traceId: String(parts[1]), spanId: String(parts[2]))
    }

    /// The ids a context carries, if any.
    static func ids(of context: ServiceContext) -> Ids? { context[IdsKey.self] }

    private static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// A span of `RecordingTracer`, recorded when it ends.
final class RecordingSpan: Span {
    private struct State {
        var operationName: String
        var attributes = SpanAttributes()
        var links: [String] = []
        var failed = false
        var ended = false
    }

    let context: ServiceContext
    private let ids: RecordingTracer.Ids
    private let parentId: String?
    private let kind: SpanKind
    private let state: Mutex<State>
    private let onEnd: @Sendable (RecordingTracer.Recorded) -> Void

    init(
        name: String, kind: SpanKind, context: ServiceContext, ids: RecordingTracer.Ids, parentId: String?,
        onEnd: @escaping @Sendable (RecordingTracer.Recorded) -> Void
    ) {
        self.context = context
        self.ids = ids
        self.parentId = parentId
        self.kind = kind
        self.state = Mutex(State(operationName: name))
        self.onEnd = onEnd
    }

    var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var isRecording: Bool { state.withLock { !$0.ended } }

    func setStatus(_ status: SpanStatus) {
        if status.code == .error { state.withLock { $0.failed = true } }
    }

    func addEvent(_ event: SpanEvent) {}

    func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {}

    func addLink(_ link: SpanLink) {
        guard let linked = RecordingTracer.ids(of: link.context) else { return }
        state.withLock { $0.links.append(linked.spanId) }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let recorded: RecordingTracer.Recorded? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            var attributes: [String: String] = [:]
            state.attributes.forEach { key, value in attributes[key] = Self.text(value) }
            return RecordingTracer.Recorded(
                traceId: ids.traceId, spanId: ids.spanId, parentId: parentId, name: state.operationName, kind: kind,
                attributes: attributes, links: state.links, failed: state.failed)
        }
        if let recorded { onEnd(recorded) }
    }

    private static func text(_ attribute: SpanAttribute) -> String {
        switch attribute {
        case .string(let value): value
        case .int64(let value): "\(value)"
        case .int32(let value): "\(value)"
        case .bool(let value): "\(value)"
        default: "\(attribute)"
        }
    }
}
