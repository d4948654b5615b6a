import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@Service`: the stub of a service contract, with the contract's method table (peer).
public enum ServiceMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        ContractKind.service.peers(of: node, declaration: declaration, in: context)
    }
}

/// `@Workflow`: the stub of a workflow contract, with the contract's method table (peer).
public enum WorkflowMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        ContractKind.workflow.peers(of: node, declaration: declaration, in: context)
    }
}

/// What differs between the two macros: the stub protocol and its name requirement.
enum ContractKind {
    case service
    case workflow

    var attributeName: String {
        switch self {
        case .service: "@Service"
        case .workflow: "@Workflow"
        }
    }

    var stubProtocol: String {
        switch self {
        case .service: "ServiceStub"
        case .workflow: "WorkflowStub"
        }
    }

    var nameRequirement: String {
        switch self {
        case .service: "serviceName"
        case .workflow: "workflowName"
        }
    }

    /// The stub, or the diagnostics of what it cannot implement.
    func peers(
        of node: AttributeSyntax, declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext
    ) -> [DeclSyntax] {
        var diagnostics: [Diagnostic] = []
        let contract = Contract(kind: self, attribute: node, declaration: declaration, diagnostics: &diagnostics)
        for diagnostic in diagnostics { context.diagnose(diagnostic) }
        guard let contract, diagnostics.isEmpty else { return [] }
        return [contract.stub()]
    }
}

/// A contract protocol that passed the checks: its methods, access level and registered name.
struct Contract {
    let kind: ContractKind
    let declaration: ProtocolDeclSyntax
    let methods: [FunctionDeclSyntax]
    /// The name given with `name:`, if any.
    let registeredName: ExprSyntax?

    /// Checks `declaration` and reads it; nil (with `diagnostics`) if it is not a protocol.
    init?(
        kind: ContractKind, attribute: AttributeSyntax, declaration: some DeclSyntaxProtocol,
        diagnostics: inout [Diagnostic]
    ) {
        guard let declaration = declaration.as(ProtocolDeclSyntax.self) else {
            diagnostics.append(
                Diagnostic(
                    node: Self.introducer(of: declaration) ?? Syntax(declaration),
                    message: ContractDiagnostic.notAProtocol(kind: kind)))
            return nil
        }
        self.kind = kind
        self.declaration = declaration
        self.registeredName = Self.registeredName(in: attribute)
        self.methods = Self.check(declaration, kind: kind, diagnostics: &diagnostics)
    }

    // MARK: generated code

    /// `struct <Name>Stub: <Name>, ServiceStub { ... }`: each method forwarded to the invoker, and the method table
    /// of any implementation (an existential of the contract, so that registering something else does not compile).
    func stub() -> DeclSyntax {
        let name = declaration.name.trimmed
        let access = typeAccess.map { "\($0) " } ?? ""
        let member = memberAccess.map { "\($0) " } ?? ""
        var members: [String] = ["\(member)typealias Contract = any \(name)"]
        members.append("\(member)typealias Implementation = any \(name)\(refinesSendable ? "" : " & Sendable")")
        if kind == .workflow {
            members.append("\(member)typealias ImplementationType = any (\(name) & WorkflowImplementation).Type")
        }
        if let registeredName {
            members.append(
                "\(member)static var \(kind.nameRequirement): String { \(registeredName.trimmedDescription) }")
        }
        members.append("\(member)let invoker: StubInvoker")
        members.append("\(member)init(invoker: StubInvoker) {\n    self.invoker = invoker\n}")
        members += methods.map(forwarding)
        let additions = methods.map { method in
            "\n    table.add(\(Self.literal(Self.wireName(of: method)))) { $0.\(Self.reference(to: method)) }"
        }
        members.append(
            "\(member)static func register(_ table: inout MethodTable<Implementation>) {\(additions.joined())\n}")
        if kind == .workflow {
            members.append(
                "\(member)static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {"
                    + "\n    type.init(context: context)\n}")
        }
        let body = members.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    \($0)" }.joined(separator: "\n")
        return "\(raw: access)struct \(raw: name.text)Stub: \(name), \(raw: kind.stubProtocol) {\n\(raw: body)\n}"
    }

    /// The stub's method: the requirement's signature on one line, with a body calling the invoker.
    private func forwarding(_ method: FunctionDeclSyntax) -> String {
        var parameters: [String] = []
        var arguments: [String] = []
        for (index, parameter) in method.signature.parameterClause.parameters.enumerated() {
            var parameter = parameter.with(\.trailingComma, nil).trimmed
            let internalName = parameter.secondName ?? parameter.firstName
            if internalName.tokenKind == .wildcard {
                // `_: Int` or `label _: Int`: the stub needs a name to forward.
                parameter.firstName = parameter.firstName.with(\.trailingTrivia, .space)
                parameter.secondName = .identifier("argument\(index)")
            }
            parameters.append(parameter.description)
            arguments.append((parameter.secondName ?? parameter.firstName).text)
        }
        let signature = method.signature
        var declaration = method.attributes.map { "\($0.trimmedDescription) " }.joined()
        declaration += memberAccess.map { "\($0) " } ?? ""
        declaration += "func \(method.name.text)(\(parameters.joined(separator: ", ")))"
        declaration += signature.effectSpecifiers.map { " \($0.trimmedDescription)" } ?? ""
        declaration += signature.returnClause.map { " \($0.trimmedDescription)" } ?? ""
        let invoker = arguments.contains("invoker") ? "self.invoker" : "invoker"
        let call = ([Self.literal(Self.wireName(of: method))] + arguments).joined(separator: ", ")
        return "\(declaration) {\n    try await \(invoker).call(\(call))\n}"
    }

    // MARK: access levels

    /// The protocol's access keyword, if written.
    private var accessKeyword: Keyword? {
        for modifier in declaration.modifiers {
            switch modifier.name.tokenKind {
            case .keyword(let keyword) where [.public, .package, .internal, .fileprivate, .private].contains(keyword):
                return keyword
            default: continue
            }
        }
        return nil
    }

    /// The stub's access: the protocol's.
    private var typeAccess: Keyword? {
        accessKeyword == .internal ? nil : accessKeyword
    }

    /// Members are public or package with a public or package protocol, else internal (bounded by the type).
    private var memberAccess: Keyword? {
        accessKeyword == .public || accessKeyword == .package ? accessKeyword : nil
    }

    private var refinesSendable: Bool {
        declaration.inheritanceClause?.inheritedTypes.contains { Self.isSendable($0.type) } ?? false
    }

    // MARK: reading

    /// The expression of `name:`, unless absent or `nil`.
    private static func registeredName(in attribute: AttributeSyntax) -> ExprSyntax? {
        guard case .argumentList(let arguments) = attribute.arguments,
            let argument = arguments.first(where: { $0.label?.text == "name" }),
            !argument.expression.is(NilLiteralExprSyntax.self)
        else { return nil }
        return argument.expression
    }

    /// The name a method is registered under: its base name (unique in the contract).
    static func wireName(of method: FunctionDeclSyntax) -> String {
        method.name.identifier?.name ?? method.name.text
    }

    /// `book(_:)`, `charge(_:_:)`, `describe`: the unambiguous reference to the requirement.
    private static func reference(to method: FunctionDeclSyntax) -> String {
        let parameters = method.signature.parameterClause.parameters
        guard !parameters.isEmpty else { return method.name.text }
        return method.name.text + "(" + parameters.map { "\($0.firstName.text):" }.joined() + ")"
    }

    private static func literal(_ string: String) -> String {
        StringLiteralExprSyntax(content: string).description
    }

    static func isSendable(_ type: TypeSyntax) -> Bool {
        let text = type.trimmedDescription
        return text == "Sendable" || text == "Swift.Sendable"
    }

    /// The keyword introducing a declaration (`struct`, `class`, `func`...), where the diagnostic points.
    private static func introducer(of declaration: some DeclSyntaxProtocol) -> Syntax? {
        if let group = declaration.asProtocol(DeclGroupSyntax.self) {
            return Syntax(group.introducer)
        }
        if let function = declaration.as(FunctionDeclSyntax.self) { return Syntax(function.funcKeyword) }
        if let variable = declaration.as(VariableDeclSyntax.self) { return Syntax(variable.bindingSpecifier) }
        return nil
    }
}
