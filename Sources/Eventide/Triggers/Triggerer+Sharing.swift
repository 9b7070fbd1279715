import Foundation

/// How one trigger event is handed to the watchers its trigger serves: one watcher, or every watcher that shares
/// the trigger (same `sharingKey`), each on its own asset.
extension Triggerer {
    /// What became of an event for one watcher.
    private enum Delivery {
        case filtered
        case deadLettered(reason: String)
        case recorded(duplicate: Bool, lag: Duration)
    }

    /// Hands the event to every watcher the runner serves now (in name order), then settles it with the source
    /// ONCE: acknowledged when at least one watcher recorded or filtered it, rejected (or acknowledged, for a
    /// source without dead-letter destination) when every watcher dead-lettered it. Counts are updated once the
    /// source has been told, and also when telling it fails (the asset events are committed; the source's next
    /// delivery counts as a duplicate).
    func handle(_ event: TriggerEvent, runner key: String) async throws {
        let watchers = activeMembers(of: key)
        guard !watchers.isEmpty else { return }  // nobody wants it any more: the source delivers it again later
        let fired = clock.date
        var deliveries: [(AssetWatcher, Delivery)] = []
        defer { count(deliveries) }
        for watcher in watchers {
            guard let asset = watchedAsset(watcher.name) else { continue }
            update(watcher.name) {
                $0.eventsSeen += 1; $0.lastEventAt = fired
            }
            deliveries.append((watcher, try await deliver(event, to: watcher, on: asset, fired: fired)))
        }
        let reasons = deliveries.compactMap { delivery -> String? in
            if case .deadLettered(let reason) = delivery.1 { return reason }
            return nil
        }
        // Only now, with every asset event or dead letter committed, tell the source.
        if reasons.count == deliveries.count, let reason = reasons.first, let reject = event.reject {
            try await reject(reason)
        } else {
            try await event.acknowledge()
        }
    }

    /// Filters, extracts and records the event for one watcher; a refused extract is dead-lettered.
    private func deliver(
        _ event: TriggerEvent, to watcher: AssetWatcher, on asset: AssetKey, fired: Date
    ) async throws -> Delivery {
        if let filter = watcher.filter, !filter(event) { return .filtered }
        let extra: [String: JSONValue]
        do {
            extra = try watcher.extract(event)
        } catch {
            // A poison message: keep it, with the reason, before telling the source to give it up.
            try await deadLetters.add(
                source: watcher.name, messageId: event.messageId, payload: event.payload,
                reason: "\(error)", attempts: event.deliveryCount)
            return .deadLettered(reason: "\(error)")
        }
        let recorded: Scheduler.Recorded
        switch try await arbitrate(event, from: watcher.name, on: asset, extra: extra) {
        case .recorded(let won)?: recorded = won
        case .outranked?, .duplicate?: return .recorded(duplicate: true, lag: .zero)  // another copy is the event
        case nil:
            recorded = try await scheduler.recordAssetEvent(
                asset, extra: extra, source: .watcher(name: watcher.name, messageId: event.messageId),
                triggerPayload: event.payload)
        }
        // Lag: from when the source says the message happened (else when the trigger saw it, else when it fired) to
        // the commit that just returned.
        let lag = Duration.seconds(clock.date.timeIntervalSince(event.occurredAt ?? event.observedAt ?? fired))
        if !recorded.duplicate { scheduler.metrics.watcherLag(watcher.name, lag) }
        return .recorded(duplicate: recorded.duplicate, lag: lag)
    }

    private func count(_ deliveries: [(AssetWatcher, Delivery)]) {
        let metrics = scheduler.metrics
        for (watcher, delivery) in deliveries {
            switch delivery {
            case .filtered:
                update(watcher.name) { $0.filtered += 1 }
                metrics.watcherEvent(watcher.name, .filtered)
            case .deadLettered:
                update(watcher.name) { $0.deadLettered += 1 }
                metrics.watcherEvent(watcher.name, .deadLettered)
            case .recorded(let duplicate, let lag):
                update(watcher.name) { status in
                    if duplicate { status.duplicates += 1 } else { status.eventsRecorded += 1 }
                    if !duplicate { status.lastLag = max(lag, .zero) }
                }
                metrics.watcherEvent(watcher.name, duplicate ? .duplicate : .recorded)
            }
        }
    }
}
