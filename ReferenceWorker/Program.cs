using System.Runtime.InteropServices;
using ServerlessTasks.ReferenceWorker;

// The reference external worker (see WorkerLoop): Ctrl+C or SIGTERM drains it, a second signal stops it at once.
WorkerOptions options;
try
{
    options = WorkerOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var stopping = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (stopping.IsCancellationRequested)
    {
        return; // a second signal: let the runtime end the process
    }

    context.Cancel = true;
    stopping.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(options.WaitSeconds + 30) };
using var loop = new WorkerLoop(options, new WorkerClient(http, options), Console.Out);
try
{
    await loop.RunAsync(stopping.Token);
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // stopped before it registered
}

return 0;
