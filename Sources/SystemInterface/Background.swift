/// A value worked out on a thread of its own while the caller goes on: two
/// passes over large texts (looking for secret words, pairing brackets), or
/// the two halves of `history verify`'s records, run side by side on a
/// machine with two cores. ``value`` waits for it; without a thread, the
/// work is done at once.
public final class Background<Value: Sendable>: @unchecked Sendable {
  // Written by the thread before it ends, read only after it is joined.
  private var result: Value?
  private var thread: pthread_t?

  public init(_ work: @escaping @Sendable () -> Value) {
    thread = QuietThread.start { self.result = work() }
    if thread == nil { result = work() }
  }

  /// The value, once worked out.
  public var value: Value {
    if let thread {
      pthread_join(thread, nil)
      self.thread = nil
    }
    return result!
  }

  deinit {
    if let thread { pthread_join(thread, nil) }
  }
}
