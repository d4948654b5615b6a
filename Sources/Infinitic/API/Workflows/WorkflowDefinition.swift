/// A workflow implementation registered by name: how to make an instance for a replay, and its methods
/// callable by name.
///
/// ```swift
/// let bookTrip = WorkflowDefinition(BookTripStub.self, factory: BookTripImpl.init(context:)) {
///     $0.add("run", BookTripImpl.run)
/// }
/// ```
public struct WorkflowDefinition: Sendable {
    public let name: String
    public let methodNames: Set<String>
    private let runMethod: @Sendable (WorkflowContext, String, [Payload], any PayloadCodec) async throws -> Payload

    /// Registers the implementation made by `factory` under `name`, with the methods `methods` adds. Every
    /// workflow task makes a fresh instance: the implementation keeps nothing between replays except its
    /// `@WorkflowProperty` fields.
    public init<Implementation: Sendable>(
        name: String, factory: @escaping @Sendable (WorkflowContext) -> Implementation,
        methods: (inout MethodTable<Implementation>) -> Void
    ) {
        var table = MethodTable<Implementation>()
        methods(&table)
        self.name = name
        self.methodNames = table.methodNames
        self.runMethod = { [table] context, method, arguments, codec in
            try await table.invoke(method, on: factory(context), arguments: arguments, codec: codec)
        }
    }

    /// Registers under the stub's workflow name (or `name` if given).
    public init<Stub: WorkflowStub, Implementation: Sendable>(
        _ stub: Stub.Type, name: String? = nil, factory: @escaping @Sendable (WorkflowContext) -> Implementation,
        methods: (inout MethodTable<Implementation>) -> Void
    ) {
        self.init(name: name ?? Stub.workflowName, factory: factory, methods: methods)
    }

    /// Runs `method` of a fresh instance bound to `context`.
    func run(
        _ method: String, context: WorkflowContext, arguments: [Payload], codec: any PayloadCodec
    ) async throws
        -> Payload
    {
        try await runMethod(context, method, arguments, codec)
    }
}
