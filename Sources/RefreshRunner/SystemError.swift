#if canImport(Glibc)
  import Glibc
#endif

/// A failed system call: which call, on what, and the `errno` it set.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The name of the call that failed, such as `open` or `posix_spawn`.
  public let call: String
  /// The `errno` value the call reported.
  public let code: Int32
  /// What the call was applied to (a path, a pid), when that helps the reader.
  public let subject: String?

  /// Creates an error for `call` with the given `errno` value.
  public init(call: String, code: Int32, subject: String? = nil) {
    self.call = call
    self.code = code
    self.subject = subject
  }

  /// The C library's text for the code, e.g. "Permission denied".
  public var reason: String { String(cString: strerror(code)) }

  public var description: String {
    if let subject { return "\(call) \(subject): \(reason)" }
    return "\(call): \(reason)"
  }
}

/// Runs a system call, retrying it while it fails with `EINTR`, and turns a
/// `-1` return into a ``SystemError`` naming the call.
///
/// Every system call of the runner goes through here (or through
/// ``retryingInterruptedCall(_:subject:_:)`` for calls returning an errno),
/// as swift-nio's `System.swift` does.
@discardableResult
func systemCall<T: FixedWidthInteger>(
  _ call: String, subject: String? = nil, _ body: () -> T
) throws(SystemError) -> T {
  while true {
    let result = body()
    if result != -1 { return result }
    let code = errno
    if code == EINTR { continue }
    throw SystemError(call: call, code: code, subject: subject)
  }
}

/// Runs a call that returns `0` or an errno value (the `posix_spawn` family),
/// retrying on `EINTR`.
func errnoReturningCall(
  _ call: String, subject: String? = nil, _ body: () -> Int32
) throws(SystemError) {
  while true {
    let code = body()
    if code == 0 { return }
    if code == EINTR { continue }
    throw SystemError(call: call, code: code, subject: subject)
  }
}
