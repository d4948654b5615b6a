import Foundation

/// The invocation handler of the stubs a client hands out: a call starts a workflow or a method and waits
/// for its outcome; inside `InfiniticClient.dispatch` it only starts it.
struct ClientStubHandler: InvocationHandler {
    let client: InfiniticClient
    let target: ClientTarget
    /// The stub's `WorkflowStub.methodTimeouts`, which replace the client's call timeout for their methods.
    var methodTimeouts: [String: Duration] = [:]

    func invoke(_ invocationTarget: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
        let capture = ClientDispatchCapture.current
        try capture?.beginCall()
        if case .taggedWorkflows(let name, let tag) = target {
            guard capture?.mode == .byTag else {
                throw InfiniticError(
                    .invalidUsage,
                    "\(name).\(method) on the instances tagged '\(tag)' has no single outcome to wait for: "
                        + "start it with `client.dispatchByTag { ... }`")
            }
            let input = ClientDispatchMethodInput(
                workflowName: name, target: .tag(tag), methodName: method, arguments: arguments)
            try await client.dispatchMethod(input, clientWaiting: false)
            throw ClientDispatchSignal()
        }
        if let capture, capture.mode == .schedule {
            guard case .newWorkflow(let name, let tags, let meta) = target else {
                throw InfiniticError(
                    .invalidUsage, "a schedule starts new instances: use a stub of `client.workflow(Stub.self)`")
            }
            capture.record(
                ClientDispatchCapture.Scheduled(
                    workflowName: name, methodName: method, arguments: arguments, tags: tags, meta: meta))
            throw ClientDispatchSignal()
        }
        if capture?.mode == .byTag {
            throw InfiniticError(
                .invalidUsage,
                "`dispatchByTag` needs a stub by tag (`client.workflow(Stub.self, tag:)`); use `dispatch`")
        }
        let waiter = try await start(method: method, arguments: arguments)
        if let capture {
            capture.record(
                ClientDispatchCapture.Started(
                    workflowName: waiter.workflowName, workflowId: waiter.key.workflowId, methodId: waiter.key.methodId,
                    waiter: waiter))
            throw ClientDispatchSignal()
        }
        return try await waiter.outcome(timeout: methodTimeouts[method] ?? client.configuration.callTimeout)
    }

    /// Dispatches the method with a waiting client, the waiter registered first.
    private func start(method: String, arguments: [Payload]) async throws -> MethodWaiter {
        let workflowName = target.workflowName
        switch target {
        case .newWorkflow(_, let tags, let meta):
            let id = UUID().uuidString.lowercased()
            let waiter = try register(ResponseRouter.MethodKey(workflowId: id, methodId: id))
            let input = ClientDispatchWorkflowInput(
                workflowName: workflowName, workflowId: id, methodName: method, arguments: arguments, tags: tags,
                meta: meta)
            guard tags.filter(CustomId.isCustomId).count <= 1 else {
                throw InfiniticError(.invalidUsage, "a workflow may carry one `customId:` tag, not \(tags.sorted())")
            }
            try await client.dispatchWorkflow(input, clientWaiting: true)
            return waiter
        case .existingWorkflow(_, let id):
            let methodId = UUID().uuidString.lowercased()
            let waiter = try register(ResponseRouter.MethodKey(workflowId: id, methodId: methodId))
            let input = ClientDispatchMethodInput(
                workflowName: workflowName, target: .instance(workflowId: id, methodId: methodId), methodName: method,
                arguments: arguments)
            try await client.dispatchMethod(input, clientWaiting: true)
            return waiter
        case .taggedWorkflows:
            throw InfiniticError(.invalidUsage, "a stub by tag cannot start a single method")
        }
    }

    /// A waiter of the method `key`, registered.
    private func register(_ key: ResponseRouter.MethodKey) throws -> MethodWaiter {
        let waiter = MethodWaiter(client: client, workflowName: target.workflowName, key: key, asked: true)
        try waiter.register()
        return waiter
    }
}
