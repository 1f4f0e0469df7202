// The normalised deal stages in funnel order, as the API names them.
export const STAGES = [
  'awareness',
  'qualification',
  'evaluation',
  'decision',
  'negotiation',
  'closed_won',
  'closed_lost',
];
