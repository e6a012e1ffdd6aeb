/// A command line as the history records it and `status` shows it, the one
/// masker of command lines: secrets masked as everywhere else. The value of
/// `--redact` (usually the secret itself) becomes `<redacted>`; the value of
/// an option or an assignment whose name says secret (`--password X`,
/// `--os-password=X`, `MYSQL_PWD=X`) and credentials found by their shape (a
/// URL's password, `token=`, `X-Auth-Token: …`, a private key) become `<secret>`.
public enum CommandLineMask {
  static let masked = SecretPolicy.maskedText
  static let redacted = String(decoding: OutputRedactor.replacement, as: UTF8.self)

  /// `arguments` masked and joined with spaces; an argument that is empty
  /// or holds a space is single-quoted, so the words stay told apart.
  public static func display(_ arguments: [String]) -> String {
    masked(arguments).map(quoted).joined(separator: " ")
  }

  /// Each argument, masked.
  public static func masked(_ arguments: [String]) -> [String] {
    let spans = CredentialSpans()
    var result: [String] = []
    var hideNext = false
    var redactNext = false
    for argument in arguments {
      if redactNext {
        // Whatever follows `--redact` is its value, even one that starts with "-".
        redactNext = false
        result.append(redacted)
        continue
      }
      if hideNext {
        hideNext = false
        if !argument.hasPrefix("-") {
          result.append(masked)
          continue
        }
      }
      if argument == "--redact" {
        redactNext = true
        result.append(argument)
        continue
      }
      if argument.hasPrefix("--redact=") {
        result.append("--redact=" + redacted)
        continue
      }
      if let equals = argument.firstIndex(of: "=") {
        let name = argument[..<equals].drop { $0 == "-" }
        if !name.isEmpty && SecretPolicy.isSecretName(String(name)) {
          result.append(String(argument[...equals]) + masked)
          continue
        }
      } else if argument.hasPrefix("-") {
        let name = argument.drop { $0 == "-" }
        hideNext = !name.isEmpty && SecretPolicy.isSecretName(String(name))
      }
      result.append(spans.masking(argument) { _ in masked })
    }
    return result
  }

  static func quoted(_ argument: String) -> String {
    guard argument.isEmpty || argument.contains(where: { $0 == " " || $0 == "'" || $0 == "\t" }) else {
      return argument
    }
    return "'" + argument.replacing("'", with: "'\\''") + "'"
  }
}
