/// Our command line as the history keeps it.
enum RecordedCommandLine {
  /// Our command line as recorded: the values of `--redact` (usually the
  /// secret itself) replaced by `<redacted>`.
  static func scrubbed(_ arguments: [String]) -> [String] {
    var result: [String] = []
    var hideNext = false
    for argument in arguments {
      if hideNext {
        result.append("<redacted>")
        hideNext = false
      } else if argument == "--redact" {
        result.append(argument)
        hideNext = true
      } else if argument.hasPrefix("--redact=") {
        result.append("--redact=<redacted>")
      } else {
        result.append(argument)
      }
    }
    return result
  }
}
