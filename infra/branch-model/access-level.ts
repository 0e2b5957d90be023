/** GitLab access levels as the REST API v4 numbers them (lib/gitlab/access.rb; 60 stands for admins on protected refs). */
export const AccessLevel = {
    NoOne: 0,
    Developer: 30,
    Maintainer: 40,
    Admin: 60,
} as const;
export type AccessLevel = (typeof AccessLevel)[keyof typeof AccessLevel];
