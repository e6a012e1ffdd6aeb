import RefreshVocabulary
import SystemInterface

/// Our command line and the environment variables that name our files, as
/// the bytes the kernel gave: Swift strings cannot hold bytes that are not
/// UTF-8, and a path read through one would silently name another file (a
/// base directory that does not exist: nothing runs, exit 0). Such input
/// is refused in one line instead.
public enum RawInput {
  /// The variables whose values name our files or select the scripts.
  public static let pathVariables = [
    "OS_REFRESH_CONFIG_BASE_DIR", "OS_REFRESH_CONFIG_DB", "OS_REFRESH_CONFIG_METRICS_FILE",
    "OS_REFRESH_CONFIG_OTLP_FILE", "RUN_PARTS_REGEX",
  ]

  /// Why `arguments` (without the program name) or the `variables` cannot be
  /// taken as given, or nil when every one is UTF-8.
  /// A usage error for an argument, a failure for a variable.
  public static func problem(arguments: [[UInt8]], variables: [(name: String, value: [UInt8])]) -> (
    message: String, status: ExitStatus
  )? {
    for (index, argument) in arguments.enumerated() where !isUTF8(argument) {
      return (
        "argument \(index + 1) is not valid UTF-8 (\(escaped(argument))): paths and options must be UTF-8", .usage
      )
    }
    for variable in variables where !isUTF8(variable.value) {
      return (
        "\(variable.name) is not valid UTF-8 (\(escaped(variable.value))): paths must be UTF-8; nothing was run",
        .failure
      )
    }
    return nil
  }

  /// This process's arguments and path variables, checked.
  public static func problemWithThisProcess() -> (message: String, status: ExitStatus)? {
    // The Swift runtime reads the arguments from /proc/self/cmdline: without
    // /proc (a chroot where it is not mounted) it sees none at all, not even
    // our name, and a `history` would run as a refresh. Nothing is run then.
    guard CommandLine.argc >= 1 else {
      return ("cannot read this process's arguments (is /proc mounted?); nothing was run", .failure)
    }
    let arguments = (1..<Int(CommandLine.argc)).compactMap { index in
      CommandLine.unsafeArgv[index].map { Array(UnsafeBufferPointer(start: $0, count: strlen($0))).map(UInt8.init) }
    }
    let variables = pathVariables.compactMap { name -> (name: String, value: [UInt8])? in
      guard let value = getenv(name) else { return nil }
      return (name, Array(UnsafeBufferPointer(start: value, count: strlen(value))).map { UInt8(bitPattern: $0) })
    }
    return problem(arguments: arguments, variables: variables)
  }

  static func isUTF8(_ bytes: [UInt8]) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue: continue
      case .emptyInput: return true
      case .error: return false
      }
    }
  }

  /// The bytes shown safely: printable ASCII as is, every other byte `\xNN`.
  static func escaped(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
      if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
        text.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = String(byte, radix: 16)
        text += "\\x" + (hex.count < 2 ? "0" : "") + hex
      }
    }
    return text
  }
}
