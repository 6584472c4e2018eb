using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;

namespace ServerlessTasks.Tests.Production;

/// <summary>The app chooses the Azure Tables stores by configuration and runs on them end to end.</summary>
public sealed class TablesProviderTests(TablesAppHost host) : IClassFixture<TablesAppHost>
{
    [Fact]
    public async Task Workflow_OnTablesStores_CompletesAndItsStateIsInTables()
    {
        using var submit = await host.PostAsync("/api/workflows", """
            {"workflow_id":"tables-1","tasks":[
              {"task_id":"a","task_type":"echo","payload":{"n":1}},
              {"task_id":"b","task_type":"echo","payload":"B","dependencies":["a"]}]}
            """);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var check = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var status = await host.PollUntilDoneAsync(check.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());

        var workflow = await host.WaitForWorkflowAsync("tables-1");
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        Assert.Equal("\"B\"", workflow.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == "b").GetProperty("result").GetRawText());
        var events = await host.Http.GetFromJsonAsync<JsonElement>("/api/workflows/tables-1/events");
        Assert.True(events.ValueKind == JsonValueKind.Array ? events.GetArrayLength() > 0 : events.GetProperty("events").GetArrayLength() > 0, events.GetRawText());

        // The state is in the emulator's tables, not in a local file.
        var service = new TableServiceClient(host.Azurite.ConnectionString);
        var tasks = service.GetTableClient(TablesAppHost.Prefix + "Tasks").QueryAsync<TableEntity>(select: ["RowKey"]);
        var rows = 0;
        await foreach (var _ in tasks)
        {
            rows++;
        }

        Assert.True(rows >= 2, $"{rows} task rows in {TablesAppHost.Prefix}Tasks");
        Assert.False(File.Exists(host.TaskIndexPath));
    }
}
