// Every test class starts real worker processes; on a 2-core machine more than two at a time only slows all of them down.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
