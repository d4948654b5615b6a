/// A workflow implementation made from its context alone, so that it registers by type:
/// `WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)`.
///
/// ```swift
/// struct BookTripWorkflow: BookTrip, WorkflowImplementation {
///     let context: WorkflowContext                  // the memberwise init is `init(context:)`
///     func run(_ trip: Trip) async throws -> TripResult { ... }
/// }
/// ```
///
/// A type with `@WorkflowProperty` fields declares `init(context:)` itself (its memberwise init takes the fields
/// too), or registers with a factory: `WorkflowDefinition(BookTripStub.self) { BookTripWorkflow(context: $0) }`.
public protocol WorkflowImplementation: Sendable {
    init(context: WorkflowContext)
}
