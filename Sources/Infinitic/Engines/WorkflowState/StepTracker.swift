/// Counters of the step a method waits on, so that a command's outcome settles it in O(depth) instead of
/// evaluating every branch: each `and`/`or` of the step is a node counting its children's outcomes, and each
/// command of the step knows which nodes it is a leaf of (`CommandEntry.awaitedBy`).
///
/// A node is done as `StepOutcome.evaluate` would find it terminated: an `and` when a child failed or all
/// completed, an `or` when a child completed or all failed. The tracker only says *whether* the step can go
/// on; the workflow task evaluates *how* (which branch won, which failure) from the history it receives.
@BinaryWritable
@BinaryReadable
public struct StepTracker: Sendable, Hashable, Codable {
    @BinaryWritable
    @BinaryReadable
    public struct Node: Sendable, Hashable, Codable {
        /// `and` (true) or `or` (false).
        public var isAll: Bool
        /// The parent node, -1 for the root.
        public var parent: Int
        public var total: Int
        public var completed: Int
        public var failed: Int
        public var isDone: Bool
    }

    /// Tells this step apart from earlier steps of the method (the index of the workflow task that set it).
    public var generation: Int
    /// The nodes, the root first.
    public var nodes: [Node]

    /// The tracker of `step`, and its leaves: (command id, node) for each command of the step, in order.
    public static func make(_ step: StepSpec, generation: Int) -> (StepTracker, leaves: [(String, Int)]) {
        var tracker = StepTracker(generation: generation, nodes: [])
        var leaves: [(String, Int)] = []
        func add(_ spec: StepSpec, parent: Int) {
            let children: [StepSpec]
            let isAll: Bool
            switch spec {
            case .command:
                children = [spec]
                isAll = true
            case .all(let steps):
                children = steps
                isAll = true
            case .any(let steps):
                children = steps
                isAll = false
            }
            let index = tracker.nodes.count
            tracker.nodes.append(
                Node(isAll: isAll, parent: parent, total: children.count, completed: 0, failed: 0, isDone: false))
            for child in children {
                if case .command(let id) = child {
                    leaves.append((id, index))
                } else {
                    add(child, parent: index)
                }
            }
        }
        add(step, parent: -1)
        // An empty `and` is done at once; an empty `or` never is (as `StepOutcome.evaluate` finds them).
        for index in tracker.nodes.indices.reversed() where tracker.nodes[index].total == 0 {
            if tracker.nodes[index].isAll { tracker.finish(index, completed: true) }
        }
        return (tracker, leaves)
    }

    /// Whether the step can go on (its root is done).
    public var isDone: Bool { nodes.first?.isDone ?? false }

    /// Records that a leaf of `node` ended (completed or failed).
    public mutating func settle(node: Int, completed: Bool) {
        guard nodes.indices.contains(node), !nodes[node].isDone else { return }
        if completed { nodes[node].completed += 1 } else { nodes[node].failed += 1 }
        let current = nodes[node]
        if current.isAll {
            if current.failed > 0 {
                finish(node, completed: false)
            } else if current.completed >= current.total {
                finish(node, completed: true)
            }
        } else {
            if current.completed > 0 {
                finish(node, completed: true)
            } else if current.completed + current.failed >= current.total {
                finish(node, completed: false)
            }
        }
    }

    private mutating func finish(_ node: Int, completed: Bool) {
        guard !nodes[node].isDone else { return }
        nodes[node].isDone = true
        let parent = nodes[node].parent
        if parent >= 0 { settle(node: parent, completed: completed) }
    }
}
