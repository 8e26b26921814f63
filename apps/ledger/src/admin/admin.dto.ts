import { IsBoolean, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { TENANT_ID_PATTERN } from '@ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'URL-safe tenant id: lowercase letters, digits, dashes' })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'id must be 1-63 lowercase letters, digits or dashes, not starting or ending with a dash' })
  id!: string;

  @ApiPropertyOptional({ example: 'Acme Ltd' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class SuspendTenantDto {
  @ApiProperty({ description: 'true suspends (SCIM answers 403), false resumes' })
  @IsBoolean()
  suspended!: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class IssueTokenDto {
  @ApiProperty({ example: 'entra-prod' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'entra', description: 'IdP label, used in metrics and the request ledger' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  idp!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: null })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 time or null' })
  expiresAt?: string | null;

  /** Rotation: the token this one replaces; both stay valid until the old one is revoked. */
  @ApiPropertyOptional({ description: 'id of the token this one rotates' })
  @IsOptional()
  @IsString()
  rotatedFrom?: string;
}

export class SetTokenExpiryDto {
  @ApiProperty({ type: String, nullable: true })
  @ValidateIf((_, value) => value !== null)
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 time or null' })
  expiresAt!: string | null;
}
