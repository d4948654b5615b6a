import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder

extension Contract {
    /// Checks what a stub cannot implement or a method table cannot call, and returns the methods.
    static func check(
        _ declaration: ProtocolDeclSyntax, kind: ContractKind, diagnostics: inout [Diagnostic]
    ) -> [FunctionDeclSyntax] {
        if let primary = declaration.primaryAssociatedTypeClause {
            diagnostics.append(Diagnostic(node: primary, message: ContractDiagnostic.associatedType(kind: kind)))
        }
        if let whereClause = declaration.genericWhereClause {
            diagnostics.append(
                Diagnostic(node: whereClause, message: ContractDiagnostic.protocolWhereClause(kind: kind)))
        }
        for inherited in declaration.inheritanceClause?.inheritedTypes ?? [] where !isSendable(inherited.type) {
            diagnostics.append(
                Diagnostic(
                    node: inherited.type,
                    message: ContractDiagnostic.inheritance(kind: kind, type: inherited.type.trimmedDescription)))
        }

        var methods: [FunctionDeclSyntax] = []
        var firstByName: [String: FunctionDeclSyntax] = [:]
        for member in declaration.memberBlock.members {
            let decl = member.decl
            if let method = decl.as(FunctionDeclSyntax.self) {
                let before = diagnostics.count
                check(method, kind: kind, diagnostics: &diagnostics)
                let name = wireName(of: method)
                if let first = firstByName[name] {
                    diagnostics.append(
                        Diagnostic(
                            node: method.name, message: ContractDiagnostic.overloaded(kind: kind, name: name),
                            notes: [
                                Note(
                                    node: Syntax(first.name),
                                    message: ContractNote(message: "'\(name)' is first declared here"))
                            ]))
                } else {
                    firstByName[name] = method
                }
                if diagnostics.count == before { methods.append(method) }
            } else if let variable = decl.as(VariableDeclSyntax.self) {
                diagnostics.append(propertyDiagnostic(variable, kind: kind))
            } else if let subscriptDecl = decl.as(SubscriptDeclSyntax.self) {
                diagnostics.append(
                    Diagnostic(
                        node: subscriptDecl.subscriptKeyword,
                        message: ContractDiagnostic.unsupportedMember(kind: kind, what: "a subscript")))
            } else if let initializer = decl.as(InitializerDeclSyntax.self) {
                diagnostics.append(
                    Diagnostic(
                        node: initializer.initKeyword,
                        message: ContractDiagnostic.unsupportedMember(kind: kind, what: "an initializer")))
            } else if let associatedType = decl.as(AssociatedTypeDeclSyntax.self) {
                diagnostics.append(
                    Diagnostic(node: associatedType.name, message: ContractDiagnostic.associatedType(kind: kind)))
            } else if decl.is(TypeAliasDeclSyntax.self) {
                continue  // visible in the stub through its conformance
            } else {
                diagnostics.append(
                    Diagnostic(
                        node: decl, message: ContractDiagnostic.unsupportedMember(kind: kind, what: "this declaration"))
                )
            }
        }
        return methods
    }

    /// A method must be an instance method, `async throws` (untyped), non-generic, without `inout` or variadic
    /// parameters (the compiler cannot form a method table entry from a variadic method).
    private static func check(_ method: FunctionDeclSyntax, kind: ContractKind, diagnostics: inout [Diagnostic]) {
        let name = wireName(of: method)
        for modifier in method.modifiers {
            switch modifier.name.tokenKind {
            case .keyword(.static), .keyword(.class):
                diagnostics.append(
                    Diagnostic(
                        node: modifier, message: ContractDiagnostic.staticMethod(kind: kind, name: name),
                        fixIt: .removing(modifier, in: method, message: "remove '\(modifier.name.text)'")))
            case .keyword(.mutating):
                diagnostics.append(
                    Diagnostic(
                        node: modifier, message: ContractDiagnostic.mutatingMethod(kind: kind, name: name),
                        fixIt: .removing(modifier, in: method, message: "remove 'mutating'")))
            default: continue
            }
        }
        if let generics = method.genericParameterClause {
            diagnostics.append(
                Diagnostic(node: generics, message: ContractDiagnostic.genericMethod(kind: kind, name: name)))
        } else if let whereClause = method.genericWhereClause {
            diagnostics.append(
                Diagnostic(node: whereClause, message: ContractDiagnostic.genericMethod(kind: kind, name: name)))
        }
        for parameter in method.signature.parameterClause.parameters {
            if let attributed = parameter.type.as(AttributedTypeSyntax.self),
                let inoutSpecifier = attributed.specifiers.first(where: { $0.isInout })
            {
                var fixed = attributed
                fixed.specifiers = attributed.specifiers.filter { !$0.isInout }
                diagnostics.append(
                    Diagnostic(
                        node: inoutSpecifier, message: ContractDiagnostic.inoutParameter(kind: kind, name: name),
                        fixIt: .replace(
                            message: ContractFixIt(message: "remove 'inout'"), oldNode: attributed,
                            newNode: fixed.specifiers.isEmpty && fixed.attributes.isEmpty
                                ? fixed.baseType.with(\.leadingTrivia, attributed.leadingTrivia) : TypeSyntax(fixed))))
            }
            if let ellipsis = parameter.ellipsis {
                diagnostics.append(
                    Diagnostic(
                        node: ellipsis, message: ContractDiagnostic.variadicParameter(kind: kind, name: name),
                        fixIt: .replace(
                            message: ContractFixIt(message: "take an array"),
                            oldNode: parameter,
                            newNode: parameter.with(\.ellipsis, nil).with(
                                \.type, TypeSyntax(ArrayTypeSyntax(element: parameter.type.trimmed))))))
            }
            if parameter.type.contains(keyword: .some) {
                diagnostics.append(
                    Diagnostic(node: parameter.type, message: ContractDiagnostic.genericMethod(kind: kind, name: name)))
            }
        }
        if let effectsDiagnostic = effectsDiagnostic(method, kind: kind) {
            diagnostics.append(effectsDiagnostic)
        }
    }

    /// Not `async throws`: a fix-it that makes it so.
    private static func effectsDiagnostic(_ method: FunctionDeclSyntax, kind: ContractKind) -> Diagnostic? {
        let signature = method.signature
        let effects = signature.effectSpecifiers
        let isAsync = effects?.asyncSpecifier?.tokenKind == .keyword(.async)
        let throwsClause = effects?.throwsClause
        let throwsUntyped = throwsClause?.throwsSpecifier.tokenKind == .keyword(.throws) && throwsClause?.type == nil
        guard !isAsync || !throwsUntyped else { return nil }

        let fixed = FunctionEffectSpecifiersSyntax(
            asyncSpecifier: .keyword(.async, trailingTrivia: .space),
            throwsClause: ThrowsClauseSyntax(throwsSpecifier: .keyword(.throws)))
        let newEffects: FunctionEffectSpecifiersSyntax
        if let effects {
            newEffects = fixed.with(\.leadingTrivia, effects.leadingTrivia).with(
                \.trailingTrivia, effects.trailingTrivia)
        } else if signature.returnClause != nil && !signature.parameterClause.trailingTrivia.isEmpty {
            newEffects = fixed.with(\.trailingTrivia, .space)  // `(...) ` + `async throws ` + `-> Result`
        } else {
            newEffects = fixed.with(\.leadingTrivia, .space)  // `(...)` + ` async throws`
        }
        let what: String
        if throwsClause?.type != nil {
            what = "typed throws"
        } else if throwsClause?.throwsSpecifier.tokenKind == .keyword(.rethrows) {
            what = "rethrows"
        } else if !isAsync && throwsClause == nil {
            what = "neither async nor throws"
        } else if !isAsync {
            what = "not async"
        } else {
            what = "not throws"
        }
        return Diagnostic(
            node: effects.map(Syntax.init) ?? Syntax(method.name),
            message: ContractDiagnostic.notAsyncThrows(kind: kind, name: wireName(of: method), what: what),
            fixIt: .replace(
                message: ContractFixIt(message: "make it 'async throws'"), oldNode: signature,
                newNode: signature.with(\.effectSpecifiers, newEffects)))
    }

    /// A property requirement; a fix-it turns a typed one into an `async throws` method.
    private static func propertyDiagnostic(_ variable: VariableDeclSyntax, kind: ContractKind) -> Diagnostic {
        let message = ContractDiagnostic.unsupportedMember(kind: kind, what: "a property")
        guard variable.bindings.count == 1, let binding = variable.bindings.first,
            let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier,
            let type = binding.typeAnnotation?.type
        else {
            return Diagnostic(node: variable.bindingSpecifier, message: message)
        }
        let method: DeclSyntax = "func \(name.trimmed)() async throws -> \(type.trimmed)"
        return Diagnostic(
            node: variable.bindingSpecifier, message: message,
            fixIt: .replace(
                message: ContractFixIt(message: "make it a method 'func \(name.trimmed.text)() async throws'"),
                oldNode: variable,
                newNode: method.with(\.leadingTrivia, variable.leadingTrivia).with(
                    \.trailingTrivia, variable.trailingTrivia)))
    }
}

extension TypeSpecifierListSyntax.Element {
    fileprivate var isInout: Bool {
        if case .simpleTypeSpecifier(let specifier) = self { return specifier.specifier.tokenKind == .keyword(.inout) }
        return false
    }
}

extension SyntaxProtocol {
    /// Whether `keyword` appears among the tokens (`some` in a parameter type makes the method generic).
    fileprivate func contains(keyword: Keyword) -> Bool {
        tokens(viewMode: .sourceAccurate).contains { $0.tokenKind == .keyword(keyword) }
    }
}

extension FixIt {
    /// Removes `modifier` from `method`, keeping the method's leading trivia.
    fileprivate static func removing(
        _ modifier: DeclModifierSyntax, in method: FunctionDeclSyntax, message: String
    ) -> FixIt {
        var fixed = method
        fixed.modifiers = method.modifiers.filter { $0.id != modifier.id }
        if fixed.modifiers.isEmpty && fixed.attributes.isEmpty {
            fixed.funcKeyword.leadingTrivia = method.leadingTrivia
        }
        return .replace(message: ContractFixIt(message: message), oldNode: method, newNode: fixed)
    }
}

/// The errors of `@Service` and `@Workflow`.
enum ContractDiagnostic: DiagnosticMessage {
    case notAProtocol(kind: ContractKind)
    case associatedType(kind: ContractKind)
    case protocolWhereClause(kind: ContractKind)
    case inheritance(kind: ContractKind, type: String)
    case unsupportedMember(kind: ContractKind, what: String)
    case staticMethod(kind: ContractKind, name: String)
    case mutatingMethod(kind: ContractKind, name: String)
    case genericMethod(kind: ContractKind, name: String)
    case inoutParameter(kind: ContractKind, name: String)
    case variadicParameter(kind: ContractKind, name: String)
    case notAsyncThrows(kind: ContractKind, name: String, what: String)
    case overloaded(kind: ContractKind, name: String)

    var message: String {
        switch self {
        case .notAProtocol(let kind):
            "\(kind.attributeName) applies to a protocol: the contract shared by callers and implementations"
        case .associatedType(let kind):
            "\(kind.attributeName) contracts cannot have associated types: the stub must be one concrete type"
        case .protocolWhereClause(let kind):
            "\(kind.attributeName) contracts cannot have a 'where' clause"
        case .inheritance(let kind, let type):
            "\(kind.attributeName) contracts can refine only Sendable: the stub would not implement '\(type)'"
        case .unsupportedMember(let kind, let what):
            "\(kind.attributeName) contracts can only declare methods, not \(what): calls cross the network"
                + " as method calls"
        case .staticMethod(let kind, let name):
            "'\(name)' must be an instance method: \(kind.attributeName) calls reach an instance of the"
                + " implementation"
        case .mutatingMethod(let kind, let name):
            "'\(name)' cannot be mutating: \(kind.attributeName) implementations are shared values"
        case .genericMethod(let kind, let name):
            "'\(name)' cannot be generic: \(kind.attributeName) arguments and results are concrete Codable types"
        case .inoutParameter(let kind, let name):
            "'\(name)' cannot take an inout parameter: \(kind.attributeName) arguments are sent, not shared"
        case .variadicParameter(let kind, let name):
            "'\(name)' cannot take a variadic parameter under \(kind.attributeName): take an array"
        case .notAsyncThrows(let kind, let name, let what):
            "'\(name)' must be 'async throws' (it is \(what)): \(kind.attributeName) calls are remote and can fail"
        case .overloaded(let kind, let name):
            "\(kind.attributeName) contracts cannot overload '\(name)': method names identify calls on the wire"
        }
    }

    var diagnosticID: MessageID {
        let id: String
        switch self {
        case .notAProtocol: id = "notAProtocol"
        case .associatedType: id = "associatedType"
        case .protocolWhereClause: id = "protocolWhereClause"
        case .inheritance: id = "inheritance"
        case .unsupportedMember: id = "unsupportedMember"
        case .staticMethod: id = "staticMethod"
        case .mutatingMethod: id = "mutatingMethod"
        case .genericMethod: id = "genericMethod"
        case .inoutParameter: id = "inoutParameter"
        case .variadicParameter: id = "variadicParameter"
        case .notAsyncThrows: id = "notAsyncThrows"
        case .overloaded: id = "overloaded"
        }
        return MessageID(domain: "InfiniticMacros", id: id)
    }

    var severity: DiagnosticSeverity { .error }
}

struct ContractFixIt: FixItMessage {
    let message: String
    var fixItID: MessageID { MessageID(domain: "InfiniticMacros", id: message) }
}

struct ContractNote: NoteMessage {
    let message: String
    var noteID: MessageID { MessageID(domain: "InfiniticMacros", id: "note") }
}
