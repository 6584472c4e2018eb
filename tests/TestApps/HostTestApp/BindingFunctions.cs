using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace HostTestApp;

/// <summary>Functions with a non-trigger input binding the host asks an extension for (durableClient).</summary>
public static class BindingFunctions
{
    /// <summary>Reports the task hub name from the durableClient payload the host supplied (the client connects lazily, never here).</summary>
    [Function(nameof(ClientName))]
    public static IActionResult ClientName([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        new OkObjectResult(client.Name);
}
