/// A typed stand-in for a workflow contract, forwarding each method to a `StubInvoker`. `@Workflow` on the
/// contract generates it; it can also be written by hand:
///
/// ```swift
/// struct BookTripStub: BookTrip, WorkflowStub {
///     typealias Contract = any BookTrip               // the workflow name defaults to "BookTrip"
///     let invoker: StubInvoker
///     init(invoker: StubInvoker) { self.invoker = invoker }
///     func run(_ trip: Trip) async throws -> TripResult { try await invoker.call("run", trip) }
/// }
/// ```
public protocol WorkflowStub: Sendable {
    /// The contract protocol (as `any Contract`); its name is the default workflow name.
    associatedtype Contract
    /// The name the workflow is registered under. Defaults to the contract's name.
    static var workflowName: String { get }
    init(invoker: StubInvoker)
}

extension WorkflowStub {
    public static var workflowName: String { String(describing: Contract.self) }
}
