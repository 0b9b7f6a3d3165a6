export { GraphQLJSON as JSONScalar, GraphQLJSONObject as JSONObjectScalar, GraphQLDateTime as DateTimeScalar } from 'graphql-scalars';
