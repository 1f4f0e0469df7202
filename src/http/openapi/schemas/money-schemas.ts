/** Response schemas of money, stage mapping and lead cohort routes. */
import { STAGE_NORMALIZED } from '../../../compute/stage-normalisation.ts';
import {
  arr,
  date,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  num,
  obj,
  record,
  str,
} from '../schema-builders.ts';

export const notConvertedSchema = named(
  'NotConverted',
  obj(
    {
      deals: int,
      by_currency: record(int, 'deals per currency without a rate'),
      note: nullable(str),
    },
    { description: 'deals left out of money totals because their currency has no rate' },
  ),
);

const rateSchema = named(
  'ExchangeRate',
  obj({
    currency: str,
    base_currency: str,
    effective_date: date,
    rate: num,
    updated_at: dateTime,
  }),
);

const currencyState = {
  base_currency: { type: 'string', description: "the context layer's business_model.currency (USD unset)" },
  rates: arr(rateSchema),
  deals_by_currency: arr(
    named('CurrencyDealCount', obj({ currency: nullable(str), deals: int, converted: int })),
  ),
  not_converted: notConvertedSchema,
};
export const currencyStateSchema = named('CurrencyState', obj(currencyState));
export const currencyWriteSchema = obj({
  ...currencyState,
  reconverted_deals: { type: 'integer', description: 'deals whose base amount changed' },
});
export const currencyDeleteSchema = obj({
  ...currencyState,
  deleted: { type: 'integer', description: 'rates removed' },
  reconverted_deals: { type: 'integer', description: 'deals whose base amount changed' },
});

const stage = enumOf(STAGE_NORMALIZED);
const stageMapping = named(
  'StageMapping',
  obj({ source: str, raw_stage: str, stage_normalized: stage, updated_at: dateTime }),
);
export const stageMappingsSchema = obj({
  data: arr(stageMapping),
  observed_stages: arr(obj({ source: str, stage: str, stage_normalized: nullable(stage), deal_count: int })),
});
export const stageMappingsWriteSchema = obj({ data: arr(stageMapping), deals_updated: int });

const cohortRow = named(
  'LeadCohort',
  obj({
    key: nullable(str),
    total: int,
    converted: int,
    unconverted: int,
    conversion_rate: num,
  }),
);
export const leadCohortsSchema = named(
  'LeadCohorts',
  obj({
    by_source: arr(cohortRow),
    by_month: arr(cohortRow),
    by_owner: arr(cohortRow),
  }),
);
