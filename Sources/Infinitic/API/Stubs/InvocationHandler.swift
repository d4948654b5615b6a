/// Receives the calls of stubs (method name and encoded arguments) and returns the encoded result. Inside a
/// workflow, the `WorkflowContext` is the handler; tests can supply their own.
public protocol InvocationHandler: Sendable {
    func invoke(_ target: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload
}
