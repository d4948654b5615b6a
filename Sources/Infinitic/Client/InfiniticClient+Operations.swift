/// The client's outbound operations, each through the interceptors (`ClientConfiguration.interceptors`; called
/// directly when there are none) and published with the headers they leave.
extension InfiniticClient {
    var interceptors: Interceptors { configuration.interceptors }

    /// Starts a new instance.
    func dispatchWorkflow(_ input: ClientDispatchWorkflowInput, clientWaiting: Bool) async throws {
        try await interceptors.clientDispatchWorkflow(input) { input in
            let dispatch = DispatchWorkflow(
                workflowName: input.workflowName, workflowId: input.workflowId, methodName: input.methodName,
                arguments: input.arguments, tags: input.tags, meta: input.meta, clientWaiting: clientWaiting)
            if input.tags.contains(where: CustomId.isCustomId) {
                // The tag engine of the custom id starts it, or attaches to the instance running with it.
                try await send(.dispatchByCustomId(dispatch), headers: input.headers)
            } else {
                try await send(.dispatchWorkflow(dispatch), headers: input.headers)
            }
        }
    }

    /// Starts a method on an instance, or on the instances carrying a tag.
    func dispatchMethod(_ input: ClientDispatchMethodInput, clientWaiting: Bool) async throws {
        try await interceptors.clientDispatchMethod(input) { input in
            switch input.target {
            case .instance(let workflowId, let methodId):
                let dispatch = DispatchMethod(
                    workflowName: input.workflowName, workflowId: workflowId, methodName: input.methodName,
                    methodId: methodId, arguments: input.arguments, clientWaiting: clientWaiting)
                try await send(.dispatchMethod(dispatch), headers: input.headers)
            case .tag(let tag):
                let byTag = DispatchMethodByTag(
                    workflowName: input.workflowName, tag: tag, methodName: input.methodName,
                    arguments: input.arguments)
                try await send(.dispatchMethodByTag(byTag), headers: input.headers)
            }
        }
    }

    /// Cancels an instance, or the instances carrying a tag.
    func cancel(_ input: ClientCancelInput) async throws {
        try await interceptors.clientCancel(input) { input in
            switch input.target {
            case .id(let id):
                let cancel = CancelWorkflow(workflowName: input.workflowName, workflowId: id)
                try await send(.cancelWorkflow(cancel), headers: input.headers)
            case .tag(let tag):
                let query = WorkflowTagQuery(workflowName: input.workflowName, tag: tag)
                try await send(.cancelByTag(query), headers: input.headers)
            }
        }
    }

    /// Asks a tag engine for the ids carrying a tag, and waits for its answer.
    func lookupIds(_ input: ClientLookupIdsInput) async throws -> [String] {
        try await interceptors.clientLookupIds(input) { input in
            let key = ResponseRouter.TagKey(kind: input.kind, name: input.name, tag: input.tag)
            let answer = Settlement<ResponseRouter.IdsOutcome>()
            try router.register(answer, for: key)
            defer { router.remove(answer, for: key) }
            switch input.kind {
            case .workflow:
                try await send(
                    .getIds(WorkflowTagQuery(workflowName: input.name, tag: input.tag)), headers: input.headers)
            case .service:
                try await send(.getIds(TaskTagQuery(serviceName: input.name, tag: input.tag)), headers: input.headers)
            }
            let outcome = try await answer.value(
                timeout: input.timeout, waitingFor: "the ids tagged '\(input.tag)' of \(input.name)")
            return try outcome.get()
        }
    }
}
