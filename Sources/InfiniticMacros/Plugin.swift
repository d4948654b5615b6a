import SwiftCompilerPlugin
import SwiftSyntaxMacros

@main
struct InfiniticMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [
        ServiceMacro.self, WorkflowMacro.self, BinaryWritableMacro.self, BinaryReadableMacro.self,
    ]
}
