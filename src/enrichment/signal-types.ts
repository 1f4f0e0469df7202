/**
 * The eleven company-signal types, each with the description the classify tier reads and the keywords
 * the offline rules look for (first hit wins, so the order settles overlaps: "acquires" before "launches").
 */
import type { Category } from '../llm/classify-batch.ts';

export const SIGNAL_TYPES = [
  'funding',
  'hiring',
  'expansion',
  'leadership_change',
  'acquisition',
  'layoffs',
  'product_launch',
  'partnership',
  'award',
  'legal',
  'other',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const SIGNAL_CATEGORIES: readonly Category[] = [
  {
    id: 'acquisition',
    description: 'the company acquires, merges with, or is acquired by another company',
    keywords: ['acquires', 'acquired', 'acquisition', 'merger', 'merges with', 'to buy ', 'buys '],
  },
  {
    id: 'layoffs',
    description: 'job cuts, layoffs, restructuring that reduces staff',
    keywords: [
      'layoff',
      'lay off',
      'laid off',
      'job cuts',
      'cuts jobs',
      'cut jobs',
      'workforce reduction',
      'restructuring',
    ],
  },
  {
    id: 'funding',
    description: 'a funding round, investment, IPO or debt financing',
    keywords: [
      'raises',
      'raised',
      'funding',
      'series a',
      'series b',
      'series c',
      'series d',
      'seed round',
      'investment from',
      'ipo',
      'valuation',
    ],
  },
  {
    id: 'leadership_change',
    description: 'a new or departing executive (CEO, CFO, VP, board member)',
    keywords: [
      'appoints',
      'appointed',
      'names new',
      'new ceo',
      'new cfo',
      'new cto',
      'steps down',
      'joins as',
      'promoted to',
      'chief executive',
      'resigns',
    ],
  },
  {
    id: 'legal',
    description: 'lawsuits, regulatory action, fines, settlements, investigations',
    keywords: [
      'lawsuit',
      'sues',
      'sued',
      'settlement',
      'court',
      'fined',
      'regulator',
      'investigation',
      'antitrust',
      'class action',
    ],
  },
  {
    id: 'hiring',
    description: 'hiring plans, open roles, headcount growth',
    keywords: ['hiring', 'to hire', 'new jobs', 'headcount', 'recruiting', 'job openings', 'is hiring'],
  },
  {
    id: 'expansion',
    description: 'new offices, markets, regions or facilities',
    keywords: ['expands', 'expansion', 'new office', 'opens', 'enters', 'new market', 'headquarters'],
  },
  {
    id: 'product_launch',
    description: 'a new product, feature or platform release',
    keywords: [
      'launches',
      'launched',
      'unveils',
      'introduces',
      'release',
      'rolls out',
      'new product',
      'debuts',
    ],
  },
  {
    id: 'partnership',
    description: 'a partnership, alliance, integration or reseller agreement',
    keywords: ['partner', 'partnership', 'teams up', 'alliance', 'collaborat', 'integration with'],
  },
  {
    id: 'award',
    description: 'an award, ranking or recognition',
    keywords: ['award', 'wins', 'recognized', 'recognised', 'named to', 'ranked', 'best places', 'top 100'],
  },
  { id: 'other', description: 'company news that fits none of the other types', keywords: [] },
];

/** Confidence by how the label was decided: the model, an offline keyword hit, or nothing matching. */
export const SIGNAL_CONFIDENCE = { model: 0.8, rules: 0.6, fallback: 0.3 } as const;
