/** The raw deal record as each CRM's API returns it (HubSpot deal object, Salesforce Opportunity). */
import type { DealFacts } from './deals.ts';
import { SALESFORCE_FORECAST_NAME } from './stages.ts';
import type { TeamMember } from './team.ts';
import { iso } from './world-model.ts';

function description(f: DealFacts): string {
  return (
    `${f.account.name} (${f.account.employees} employees, ${f.account.place.city}) is evaluating a ` +
    `${f.dealType === 'newbusiness' ? 'new' : 'expanded'} subscription. Source: ${f.leadSource}. ` +
    `Technical fit scored ${f.fitScore}/100; budget ${f.budgetStatus.replaceAll('_', ' ')}.`
  );
}

export function dealSourceData(f: DealFacts, owner: TeamMember): Record<string, unknown> {
  const closed = f.closedAt !== null;
  const won = f.stage.normalized === 'closed_won';
  if (f.crm === 'hubspot') {
    return {
      id: f.sourceId,
      properties: {
        hs_object_id: f.sourceId,
        dealname: f.name,
        amount: String(f.amount),
        deal_currency_code: f.currency,
        pipeline: f.pipeline.id,
        dealstage: f.stage.id,
        hs_deal_stage_probability: String(f.probability / 100),
        hs_forecast_category: f.forecast.toUpperCase(),
        closedate: `${f.closeDate}T17:00:00.000Z`,
        createdate: iso(f.createdAt),
        hs_lastmodifieddate: iso(f.stageEnteredAt),
        [`hs_date_entered_${f.stage.id}`]: iso(f.stageEnteredAt),
        hs_is_closed: String(closed),
        hs_is_closed_won: String(won),
        hubspot_owner_id: owner.hubspotOwnerId,
        hs_next_step: f.nextStep,
        dealtype: f.dealType,
        hs_analytics_source: f.leadSource.toUpperCase().replaceAll(' ', '_'),
        description: description(f),
        technical_fit_score: String(f.fitScore),
        budget_status: f.budgetStatus,
        region: f.account.place.region,
      },
      createdAt: iso(f.createdAt),
      updatedAt: iso(f.stageEnteredAt),
      archived: false,
      associations: { companies: { results: [{ id: f.account.sourceId, type: 'deal_to_company' }] } },
    };
  }
  return {
    attributes: { type: 'Opportunity', url: `/services/data/v59.0/sobjects/Opportunity/${f.sourceId}` },
    Id: f.sourceId,
    Name: f.name,
    AccountId: f.account.sourceId,
    Amount: f.amount,
    CurrencyIsoCode: f.currency,
    RecordType: { Name: f.pipeline.label },
    StageName: f.stage.id,
    Probability: f.probability,
    ForecastCategoryName: SALESFORCE_FORECAST_NAME[f.forecast],
    CloseDate: f.closeDate,
    IsClosed: closed,
    IsWon: won,
    NextStep: f.nextStep,
    Type: f.dealType === 'newbusiness' ? 'New Business' : 'Existing Business',
    LeadSource: f.leadSource,
    OwnerId: owner.salesforceUserId,
    Owner: { Name: owner.name, Email: owner.email },
    PushCount: f.pushCount,
    Description: description(f),
    CreatedDate: iso(f.createdAt),
    LastModifiedDate: iso(f.stageEnteredAt),
    LastStageChangeDate: iso(f.stageEnteredAt),
    Technical_Fit_Score__c: f.fitScore,
    Budget_Status__c: f.budgetStatus,
    Region__c: f.account.place.region,
  };
}
